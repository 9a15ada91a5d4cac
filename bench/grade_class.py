"""Grading a class: stock `nbgrader autograde` against `autograder grade --workers N`.

Builds a class of SIZE submissions from the bundled sample class of a chapter
(the samples repeated under new student ids) in two scratch courses, and grades
it twice in one invocation, one after the other:

- stock: `nbgrader autograde` with nbgrader's default pipeline (only the folder
  names configured): one notebook after another, test cells in the student's
  kernel, no sandbox, no feedback;
- ours: `autograder grade --workers N` with every protection of the course's
  configuration (sandboxed kernels, tests sealed in the grader, output bounds), the
  gradebook written once per result, and the feedback pages written too.

The floor is the summed execution time of the notebooks' cells, from the timing
nbclient records in the stock run (each code cell from execute_input to
execute_reply): the time the students' code and the tests take, with no kernel
start-up and no bookkeeping.

    python bench/grade_class.py [CHAPTER] [--size 100] [--workers 2] [--kind samples|correct|both]

Both kinds of class by default: the sample class repeated (mostly wrong or partial
answers, several of which stop early) and a class of correct submissions (the
instructor's notebook repeated: every answer cell runs, every test passes), each with
its own ratio.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sealed_cost import scratch  # noqa: E402  (it puts the repository on sys.path)

from autograder.course import nbgrader, notebook_name, scripts_on_path  # noqa: E402
from autograder.scores import read_scores  # noqa: E402


def make_class(root: Path, chapter: str, size: int, kind: str = "samples") -> int:
    """Replace the sample class in submitted/ by `size` copies under new ids: of every
    sample (mostly wrong or partial answers), or of the instructor's notebook alone (a
    class of correct submissions: every answer cell runs, every test passes)."""
    samples = sorted(p.name for p in (root / "submitted").iterdir())
    if kind == "correct":
        for sample in samples:
            if sample != "instructor":
                shutil.rmtree(root / "submitted" / sample)
        samples = ["instructor"]
    for i in range(size):
        sample = samples[i % len(samples)]
        shutil.copytree(root / "submitted" / sample, root / "submitted" / f"s{i:03d}-{sample}")
    for sample in samples:
        shutil.rmtree(root / "submitted" / sample)
    return len(samples)


def cell_seconds(root: Path, chapter: str) -> float:
    """Summed execute_input -> execute_reply time of every code cell of every graded notebook."""
    total = 0.0
    for path in (root / "autograded").glob(f"*/{chapter}/{notebook_name(root, chapter)}"):
        for cell in nbformat.read(path, as_version=4).cells:
            timing = cell.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
                start, end = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                              for k in ("iopub.execute_input", "shell.execute_reply"))
                total += (end - start).total_seconds()
    return total


def own_cell_seconds(root: Path, chapter: str) -> float:
    """The same, as the sealed grader measured it (its notebooks' autograder.timing)."""
    return sum(nbformat.read(path, as_version=4).metadata.get("autograder", {}).get("timing", {}).get("cells", 0.0)
               for path in (root / "autograded").glob(f"*/{chapter}/*.ipynb"))


def points(root: Path, chapter: str) -> float:
    return sum(row.total for row in read_scores(root, chapter)[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default="01_numerical")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kind", choices=("samples", "correct", "both"), default="both",
                        help="the sample class repeated, a class of correct submissions, or both")
    args = parser.parse_args()
    scripts_on_path()
    kinds = ("samples", "correct") if args.kind == "both" else (args.kind,)
    ratios = {kind: run(args, kind) for kind in kinds}
    print("speed-ups over stock: " + ", ".join(f"{kind} {ratio:.2f}x" for kind, ratio in ratios.items())
          + " (target: at least 3x on each)")


def run(args, kind: str) -> float:
    stock = scratch("stock", args.chapter)
    samples = make_class(stock, args.chapter, args.size, kind)
    start = time.perf_counter()
    nbgrader(stock, "autograde", args.chapter, "--force", "--log-level=CRITICAL", capture=True)
    stock_seconds = time.perf_counter() - start
    floor = cell_seconds(stock, args.chapter)
    stock_points = points(stock, args.chapter)
    shutil.rmtree(stock, ignore_errors=True)

    ours = scratch("sealed", args.chapter)
    make_class(ours, args.chapter, args.size, kind)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", "--root", str(ours), "grade", args.chapter,
                           "--workers", str(args.workers), "--no-progress"], capture_output=True, text=True)
    our_seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"autograder grade failed:\n{done.stdout}\n{done.stderr}")
    our_points, our_cells = points(ours, args.chapter), own_cell_seconds(ours, args.chapter)
    feedback = len(list((ours / "feedback").glob(f"*/{args.chapter}/*.html")))
    sandbox = next((line for line in done.stdout.splitlines() if line.startswith("sandbox:")), "")
    shutil.rmtree(ours, ignore_errors=True)

    n = args.size
    what = (f"{samples} samples, repeated" if kind == "samples"
            else "the instructor's notebook, repeated: every test passes")
    print(f"{args.chapter}, {kind}: {n} submissions ({what}), {os.cpu_count()} cores\n")
    print(f"{'':34}{'wall time':>11}{'per submission':>16}{'points given':>14}")
    print(f"{'stock nbgrader autograde':34}{stock_seconds:9.1f} s{stock_seconds / n:14.2f} s{stock_points:14g}")
    label = f"autograder grade --workers {args.workers}"
    print(f"{label:34}{our_seconds:9.1f} s{our_seconds / n:14.2f} s{our_points:14g}")
    print(f"  (ours also wrote {feedback} feedback pages; stock wrote none)")
    print(f"  ({sandbox})\n")
    speedup = stock_seconds / our_seconds
    print(f"speed-up over stock: {speedup:.2f}x (target: at least 3x)")
    print(f"floor, the summed cell time of the stock run: {floor:.1f} s ({floor / n:.2f} s per submission)")
    print(f"ours / floor: {our_seconds / floor:.2f}x (target: at most 2x)")
    print(f"cell time as the sealed grader measured it (tests in the grader): {our_cells:.1f} s\n")
    return speedup


if __name__ == "__main__":
    main()
