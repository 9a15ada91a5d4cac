"""The report of a large class: `autograder report` and the similarity of its answers.

Grades the bundled sample class of a chapter once, then makes a class of SIZE from it:
each graded sample repeated under new student ids (its submitted and autograded
notebooks, and its grades in the gradebook). Then, in one run, side by side:

- the report (scores from the gradebook, the item analysis with the mistakes read from
  every autograded notebook, the CSV files, the plots and the chapter page) of the
  sample class and of the class of SIZE;
- the similarity of their answers (autograder.similarity.similar_pairs). Every repeat of a
  sample is the same notebook, so every pair of repeats is a candidate pair: the most
  work the comparison can have for a class of this size. For 01_numerical, also a class
  of SIZE whose answers differ as different people's do: each answer one of the
  independently written ones of tests/data/similarity/, its names renamed at random.

    python bench/report_class.py [CHAPTER] [--size 300]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sealed_cost import scratch  # noqa: E402  (it puts the repository on sys.path)

from autograder.course import scripts_on_path  # noqa: E402


def grow(root: Path, chapter: str, size: int) -> int:
    """Replace the graded sample class by `size` repeats of it; the number of samples."""
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    samples = sorted(p.name for p in (root / "submitted").iterdir())
    with Gradebook(course_db_url(root), course_id(root)) as gb:
        graded = {}
        for sample in samples:
            submission = gb.find_submission(chapter, sample)
            graded[sample] = {(nb.name, g.name): (g.auto_score, g.manual_score, g.needs_manual_grade)
                              for nb in submission.notebooks for g in nb.grades}
        for i in range(size):
            sample, student = samples[i % len(samples)], f"s{i:03d}-{samples[i % len(samples)]}"
            for folder in ("submitted", "autograded"):
                if (root / folder / sample / chapter).is_dir():
                    shutil.copytree(root / folder / sample / chapter, root / folder / student / chapter)
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(chapter, student)
            for nb in submission.notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.manual_score, grade.needs_manual_grade = graded[sample][(nb.name, grade.name)]
            gb.db.commit()
        for sample in samples:
            gb.remove_submission(chapter, sample)
            for folder in ("submitted", "autograded", "feedback"):
                shutil.rmtree(root / folder / sample, ignore_errors=True)
    return len(samples)


def mixed(root: Path, chapter: str, size: int) -> int:
    """Replace submitted/ by `size` notebooks whose answers are drawn, each, from the
    independently written students of tests/data/similarity/<chapter> (names renamed at
    random); the number of those students (0: none for this chapter)."""
    import random
    import re

    import nbformat

    from autograder.course import notebook_name
    from autograder.notebook import answer_cells
    from autograder.samples import assemble, parse_sample

    repository = Path(__file__).resolve().parents[1]
    # hana is the planted copy of chidi (tests/autograder/test_similarity.py): not independent
    written = sorted(p for p in (repository / "tests" / "data" / "similarity" / chapter).glob("*.sample")
                     if p.stem != "hana")
    if not written:
        return 0
    variants = [dict(answer_cells(assemble(root, chapter, parse_sample(p)))) for p in written]
    keep = {"def", "return", "for", "in", "range", "np", "f", "x", "h", "lambda", "if", "else"}
    rng = random.Random(1)
    shutil.rmtree(root / "submitted")
    name = notebook_name(root, chapter)
    for i in range(size):
        mapping = {}

        def rename(m):
            word = m.group(0)
            if word not in keep and word not in mapping:
                mapping[word] = word if rng.random() < 0.5 else f"{rng.choice('abcdeuvw')}{rng.randrange(99)}"
            return mapping.get(word, word)
        nb = nbformat.read(root / "course" / chapter / name, as_version=4)
        for grade_id, cell in answer_cells(nb):
            source = rng.choice(variants)[grade_id].source
            cell.source = re.sub(r"\b[A-Za-z_]\w*\b", rename, source) if cell.cell_type == "code" else source
        folder = root / "submitted" / f"m{i:03d}" / chapter
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / name)
    return len(written)


def measure(root: Path, chapter: str) -> dict[str, float]:
    from autograder.report import report
    from autograder.similarity import similar_pairs

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        report(root, chapter)
    middle = time.perf_counter()
    pairs = similar_pairs(root, chapter)
    end = time.perf_counter()
    return {"report": middle - start, "similarity": end - middle, "pairs": len(pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default="01_numerical")
    parser.add_argument("--size", type=int, default=300)
    args = parser.parse_args()
    scripts_on_path()
    from autograder.batch.gradebook import quiet_sqlalchemy_warnings
    quiet_sqlalchemy_warnings()
    small = scratch("report", args.chapter)
    done = subprocess.run([sys.executable, "-m", "autograder", "--root", str(small), "grade", args.chapter,
                           "--no-progress"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"autograder grade failed:\n{done.stdout}\n{done.stderr}")
    large = Path(str(small) + "-large")
    shutil.copytree(small, large)
    samples = grow(large, args.chapter, args.size)
    results = {samples: measure(small, args.chapter), args.size: measure(large, args.chapter)}
    written = mixed(large, args.chapter, args.size)
    if written:
        from autograder.similarity import similar_pairs
        start = time.perf_counter()
        found = similar_pairs(large, args.chapter)
        distinct = time.perf_counter() - start
    shutil.rmtree(small, ignore_errors=True)
    shutil.rmtree(large, ignore_errors=True)

    print(f"{args.chapter}: the sample class ({samples} submissions) and {args.size} repeats of it\n")
    print("report: all of `autograder report` (scores, item analysis with every autograded notebook read, "
          "similarity,\nCSV files, plots, page); similarity: `similar_pairs` alone\n")
    print(f"{'students':>9}{'report':>10}{'per student':>13}{'similarity':>12}{'pairs':>8}{'per pair':>11}")
    for n, r in results.items():
        pairs = n * (n - 1) // 2
        print(f"{n:9d}{r['report']:8.2f} s{1000 * r['report'] / n:10.1f} ms{r['similarity']:10.2f} s"
              f"{pairs:8d}{1e6 * r['similarity'] / pairs:8.1f} µs")
    (a, ra), (b, rb) = results.items()
    print(f"\n{b} / {a} students: report x{rb['report'] / ra['report']:.1f}, similarity "
          f"x{rb['similarity'] / ra['similarity']:.1f} (students x{b / a:.1f}, pairs "
          f"x{b * (b - 1) / (a * (a - 1)):.0f}); flagged pairs: {ra['pairs']} and {rb['pairs']} "
          "(the repeats are copies of each other)")
    if written:
        print(f"similarity of {args.size} submissions whose answers are drawn from {written} independently "
              f"written ones, renamed: {distinct:.2f} s ({2e6 * distinct / (args.size * (args.size - 1)):.1f} µs a pair); "
              f"pairs flagged: {found.found} (of so few variants, many pairs drew the same answers for several "
              "exercises: a measure of time, not of the threshold)")


if __name__ == "__main__":
    main()
