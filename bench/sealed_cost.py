"""What sealed, sandboxed grading costs, next to stock nbgrader, on the same submissions.

Builds two scratch copies of the course with the bundled sample class of a chapter:
one graded by stock `nbgrader autograde` with nbgrader's default pipeline (only the
folder names configured), one by the course's configuration (sandboxed kernel,
tests sealed in the grader, metadata repair, output bounds). Both run in one
invocation, one after the other, and the figures are printed side by side.

    python bench/sealed_cost.py [CHAPTER] [--repeat N]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.build import build  # noqa: E402
from autograder.course import nbgrader, scripts_on_path  # noqa: E402
from autograder.batch.coordinator import submissions  # noqa: E402
from autograder.samples import write_sample_class  # noqa: E402
from autograder.scores import read_scores  # noqa: E402

STOCK_CONFIG = '''c = get_config()
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.Execute.timeout = 120
'''


def scratch(kind: str, chapter: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    for name in ("solutions", "course", "samples"):
        shutil.copytree(ROOT / name, root / name)
    if kind == "stock":
        (root / "nbgrader_config.py").write_text(STOCK_CONFIG)
    else:
        shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    build(root, [chapter], quiet=True)
    write_sample_class(root, chapter)
    return root


def grade_once(root: Path, chapter: str) -> float:
    start = time.perf_counter()
    nbgrader(root, "autograde", chapter, "--force", "--log-level=CRITICAL", capture=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default="01_numerical")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scripts_on_path()
    results = {}
    for kind in ("stock", "sealed"):
        root = scratch(kind, args.chapter)
        count = len(submissions(root, args.chapter))
        times = [grade_once(root, args.chapter) for _ in range(args.repeat)]
        total = sum(r.total for r in read_scores(root, args.chapter)[2])
        results[kind] = (statistics.median(times), count, total)
        shutil.rmtree(root, ignore_errors=True)
    print(f"{args.chapter}: {results['stock'][1]} submissions, median of {args.repeat} runs each\n")
    print(f"{'':10}{'wall time':>12}{'per submission':>17}{'points given':>15}")
    for kind, (seconds, count, total) in results.items():
        print(f"{kind:10}{seconds:10.1f} s{seconds / count:15.2f} s{total:15g}")
    ratio = results["sealed"][0] / results["stock"][0]
    print(f"\nsealed / stock: {ratio:.2f}x the time of stock nbgrader")


if __name__ == "__main__":
    main()
