"""Check every chapter notebook of a self-study clone of the course: what the workflow
of deploy/self-study/.github/workflows/check.yml runs on each push (and what its test runs).

For each chapter notebook present, course/<chapter>/<notebook>.ipynb, it runs

    autograder check course/<chapter>/<notebook>.ipynb --format junit --output REPORTS/<chapter>.xml

(the text report goes to the log), then appends a Markdown table of the scores, one row
per chapter, to the file $GITHUB_STEP_SUMMARY names (the job's summary page; printed when
the variable is not set). Run it from the clone's root:

    python deploy/self-study/check_all.py [--reports DIR] [--fail-below PERCENT] [CHAPTER ...]

CHAPTER (default: $CHAPTERS, space-separated, or else every chapter with a notebook in
course/) limits the chapters checked. The exit status is 0 whatever the scores, unless
--fail-below (default: $FAIL_BELOW; empty: off) is given and a chapter's autograded score
is below that percentage of its points; it is 1 when a notebook could not be graded, and 2
when there is nothing to check (not in a course, an unknown chapter, no notebook).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from junitparser.xunit2 import JUnitXml

from autograder.course import CourseError, chapters, find_root, notebook_name


@dataclass
class Row:
    chapter: str
    score: float | None = None
    max_score: float | None = None
    written_points: float = 0.0

    @property
    def percent(self) -> float | None:
        if self.score is None:
            return None
        return 100.0 * self.score / self.max_score if self.max_score else 100.0


def notebooks(root: Path, wanted: list[str]) -> list[tuple[str, Path]]:
    """(chapter, notebook) for each chapter notebook present in course/, of `wanted` if given."""
    known = chapters(root, editions=True)
    unknown = [chapter for chapter in wanted if chapter not in known]
    if unknown:
        raise CourseError(f"unknown chapters {', '.join(unknown)}; the chapters are {', '.join(known)}")
    found = [(chapter, root / "course" / chapter / notebook_name(root, chapter)) for chapter in wanted or known]
    return [(chapter, path) for chapter, path in found if path.is_file()]


def check(root: Path, chapter: str, notebook: Path, reports: Path) -> Row:
    """`autograder check` on one notebook, its JUnit report in `reports`; the row it gives."""
    report = reports / f"{chapter}.xml"
    report.unlink(missing_ok=True)
    grouped = os.environ.get("GITHUB_ACTIONS") == "true"
    print(f"::group::{chapter}" if grouped else f"== {chapter} ==", flush=True)
    subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), "check", str(notebook),
                    "--format", "junit", "--output", str(report)])
    print("::endgroup::" if grouped else "", flush=True)
    if not report.is_file():
        return Row(chapter)
    properties = {p.name: p.value for suite in JUnitXml.fromfile(str(report)) for p in suite.properties()}
    return Row(chapter, float(properties["score"]), float(properties["max_score"]),
               float(properties["written_points"]))


def summary(rows: list[Row]) -> str:
    """The Markdown table of the job's summary."""
    lines = ["### Self-check: autograded scores", "", "| chapter | score |", "|---|---|"]
    for row in rows:
        score = (f"{row.score:g} of {row.max_score:g} ({row.percent:.0f}%)" if row.score is not None
                 else "not graded (see the log)")
        lines.append(f"| {row.chapter} | {score} |")
    written = sum(row.written_points for row in rows)
    if written:
        lines += ["", f"Written answers ({written:g} points) are graded by your instructor, not here."]
    return "\n".join(lines) + "\n"


def exit_status(rows: list[Row], fail_below: float | None) -> int:
    """1 when a notebook was not graded, or (with `fail_below`) scored below it; else 0."""
    if any(row.score is None for row in rows):
        return 1
    if fail_below is not None and any(row.percent < fail_below for row in rows):
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        default=os.environ.get("CHAPTERS", "").split())
    parser.add_argument("--reports", type=Path, default=Path("reports/self-check"),
                        help="the folder of the JUnit reports (default: reports/self-check)")
    # A string default goes through `type` as a command-line value would.
    parser.add_argument("--fail-below", type=float, metavar="PERCENT",
                        default=os.environ.get("FAIL_BELOW", "").strip() or None,
                        help="fail when a chapter scores below this percentage (default: $FAIL_BELOW, or never)")
    args = parser.parse_args(argv)
    try:
        root = find_root()
        found = notebooks(root, args.chapters)
    except CourseError as exc:
        print(f"check_all: {exc}", file=sys.stderr)
        return 2
    if not found:
        print("check_all: no chapter notebook in course/", file=sys.stderr)
        return 2
    args.reports.mkdir(parents=True, exist_ok=True)
    rows = [check(root, chapter, notebook, args.reports.resolve()) for chapter, notebook in found]
    table = summary(rows)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as page:
            page.write(table)
    else:
        print(table)
    return exit_status(rows, args.fail_below)


if __name__ == "__main__":
    sys.exit(main())
