"""`autograder grade`: autograde a chapter's submissions and write their feedback.

Runs the stock nbgrader steps in the course root (so `nbgrader_config.py` applies,
with the course's preprocessors): `autograde` into the gradebook, then
`generate_feedback`, then prints a summary.
"""
from __future__ import annotations

import time
from pathlib import Path

from .course import CourseError, nbgrader, notebook_name
from .scores import read_scores


def submissions(root: Path, chapter: str) -> list[str]:
    """Student ids with a submission of `chapter` in submitted/."""
    name = notebook_name(root, chapter)
    return sorted(p.parent.parent.name for p in (root / "submitted").glob(f"*/{chapter}/{name}"))


def ensure_assignment(root: Path, chapter: str) -> None:
    """Put the chapter in the gradebook (as generate_assignment does) if it is not there."""
    from nbgrader.api import Gradebook, MissingEntry

    from .scores import db_url

    with Gradebook(db_url(root)) as gb:
        try:
            gb.find_assignment(chapter)
            return
        except MissingEntry:
            pass
    from .build import build
    build(root, [chapter], quiet=True)


def grade(root: Path, chapter: str) -> int:
    """Grade every submission of `chapter`; return the number that could not be graded."""
    students = submissions(root, chapter)
    if not students:
        raise CourseError(
            f"no submissions of {chapter}: expected submitted/<student>/{chapter}/"
            f"{notebook_name(root, chapter)} (run `autograder sample {chapter}` to load the "
            "sample class, or collect submissions with nbgrader)")
    ensure_assignment(root, chapter)
    start = time.perf_counter()
    print(f"grading {len(students)} submissions of {chapter} ...", flush=True)
    nbgrader(root, "autograde", chapter, "--force", "--log-level=ERROR")
    nbgrader(root, "generate_feedback", chapter, "--force", "--log-level=ERROR")
    seconds = time.perf_counter() - start
    name = notebook_name(root, chapter)
    failed = [s for s in students
              if not (root / "autograded" / s / chapter / name).is_file()
              or not (root / "feedback" / s / chapter / name.replace(".ipynb", ".html")).is_file()]
    _, maximum, rows = read_scores(root, chapter)
    total = sum(maximum.values())
    for row in rows:
        if row.student in students:
            print(f"  {row.student:<28} {row.total:5.1f} / {total:g}")
    print(f"graded {len(students) - len(failed)} of {len(students)} submissions in "
          f"{seconds:.1f} s ({seconds / len(students):.2f} s each); feedback in feedback/")
    for student in failed:
        print(f"  NOT GRADED: {student} (see the nbgrader messages above)")
    return len(failed)
