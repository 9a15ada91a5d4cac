"""`autograder grade`: autograde a chapter's submissions and write their feedback.

Runs the stock nbgrader steps in the course root (so `nbgrader_config.py` applies,
with the course's preprocessors): `autograde` into the gradebook, then
`generate_feedback`, then prints a summary.
"""
from __future__ import annotations

import html
import time
from pathlib import Path

import nbformat

from .course import CourseError, nbgrader, notebook_name
from .scores import read_scores


def submissions(root: Path, chapter: str) -> list[str]:
    """Student ids with a submission folder for `chapter` in submitted/."""
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{chapter}") if p.is_dir())


def unreadable(root: Path, chapter: str, student: str) -> str | None:
    """Why the student's notebook cannot be graded at all, or None if it can be tried."""
    name = notebook_name(root, chapter)
    folder = root / "submitted" / student / chapter
    path = folder / name
    if not path.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        found = f"found {', '.join(others)} (renamed?)" if others else "found no notebook"
        return f"the notebook was not found: expected {name}, {found}"
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return f"the notebook is not readable as a Jupyter notebook ({first})"
    return None


def record_ungraded(root: Path, chapter: str, student: str, reason: str) -> None:
    """Zero in the gradebook and a feedback page saying why, for a notebook nbgrader cannot read."""
    from nbgrader.api import Gradebook

    from .scores import db_url

    with Gradebook(db_url(root)) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(chapter, student)
    name = notebook_name(root, chapter)
    page = root / "feedback" / student / chapter / name.replace(".ipynb", ".html")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{chapter}: not graded</title>"
        f"</head><body><h1>{chapter}: your submission could not be graded</h1>"
        f"<p>{html.escape(reason)}.</p><p>It scores 0 points. Submit the notebook "
        f"<code>{html.escape(name)}</code> again, as a file saved by Jupyter.</p></body></html>\n",
        encoding="utf-8")


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
    from .sandbox import probe
    print("sandbox: " + "; ".join(f"{k} {v}" for k, v in probe().items()), flush=True)
    broken = {s: why for s in students if (why := unreadable(root, chapter, s))}
    nbgrader(root, "autograde", chapter, "--force", "--log-level=ERROR")
    nbgrader(root, "generate_feedback", chapter, "--force", "--log-level=ERROR")
    for student, reason in broken.items():
        record_ungraded(root, chapter, student, reason)
    seconds = time.perf_counter() - start
    name = notebook_name(root, chapter)
    failed = [s for s in students if s in broken
              or not (root / "autograded" / s / chapter / name).is_file()
              or not (root / "feedback" / s / chapter / name.replace(".ipynb", ".html")).is_file()]
    _, maximum, rows = read_scores(root, chapter)
    total = sum(maximum.values())
    for row in rows:
        if row.student in students:
            print(f"  {row.student:<28} {row.total:5.1f} / {total:g}")
    print(f"graded {len(students) - len(failed)} of {len(students)} submissions in "
          f"{seconds:.1f} s ({seconds / len(students):.2f} s each); feedback in feedback/")
    for student in students:
        path = root / "autograded" / student / chapter / name
        if student not in failed and path.is_file():
            stopped = nbformat.read(path, as_version=4).metadata.get("autograder", {}).get("stopped")
            if stopped:
                print(f"  STOPPED EARLY: {student}: {stopped}; the tests after it score 0")
    for student in failed:
        why = broken.get(student, "see the nbgrader messages above")
        print(f"  NOT GRADED: {student}: {why}; it scores 0 and its feedback says why")
    return len(failed)
