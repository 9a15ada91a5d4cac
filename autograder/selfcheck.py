"""`autograder check NOTEBOOK`: grade one notebook against the hidden tests, for self-study.

The notebook is graded by the same nbgrader pipeline as a class, in a private
scratch course (nothing in the course folder changes), and the result of every
test cell is printed: points, and for a failed test the message that says what
was wrong (never the hidden test's code).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from adcourse import i18n

from .course import EDITIONS, CourseError, base_chapter, chapters, edition, grading_config, working_in
from .i18n import notebook_language
from .scores import exercise_of, exercises

STUDENT = "me"


def chapter_of(root: Path, notebook: Path, language: str | None = None) -> str:
    """The chapter whose notebook has this file name: the one its folder is named after
    (course/01_numerical_zh/), or else in the edition of `language` (the language the
    notebook's metadata names; English if none)."""
    folder = notebook.parent.name
    if folder in chapters(root, editions=True) and (root / "solutions" / folder / notebook.name).is_file():
        return folder
    for chapter in chapters(root):
        if (root / "solutions" / chapter / notebook.name).is_file():
            translated = edition(chapter, language) if language in EDITIONS else chapter
            return translated if (root / "solutions" / translated / notebook.name).is_file() else chapter
    raise CourseError(f"{notebook.name} is not a chapter notebook of this course; the chapters "
                      f"are {', '.join(chapters(root))} (keep the notebook's file name)")


def check(root: Path, notebook: Path) -> tuple[float, float]:
    notebook = notebook.resolve()
    if not notebook.is_file():
        raise CourseError(f"no notebook at {notebook}")
    try:
        language = notebook_language(nbformat.read(notebook, as_version=4))
    except Exception as exc:
        raise CourseError(f"{notebook} is not a readable notebook ({exc}); restore it from "
                          "course/ or from your last checkpoint") from None
    chapter = chapter_of(root, notebook, language)
    i18n.use(base_chapter(chapter)[1] or "en", plots=False)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        course = Path(scratch)
        shutil.copy(root / "nbgrader_config.py", course)
        shutil.copytree(root / "solutions" / chapter, course / "solutions" / chapter)
        target = course / "submitted" / STUDENT / chapter
        target.mkdir(parents=True)
        shutil.copy(notebook, target / notebook.name)
        # Stock nbgrader's generate_assignment and autograde, in this process as a grading
        # worker runs them: on the scratch course and its own gradebook (whatever database
        # the configuration names), from the scratch course's folder (where the kernels'
        # fork server starts: nothing of the caller's folder is on its path), and held to
        # a worker's memory.
        from .batch.gradebook import quiet_sqlalchemy_warnings
        from .batch.worker import memory_cap, nbgrader_api

        quiet_sqlalchemy_warnings()
        api = nbgrader_api(course, config=grading_config(root))
        with working_in(course), memory_cap():
            for step, run in (("generate_assignment", lambda: api.generate_assignment(chapter, force=True)),
                              ("autograde", lambda: api.autograde(chapter, STUDENT, force=True, create=True))):
                result = run()
                if not result["success"]:
                    detail = (result.get("error") or "") + (result.get("log") or "")
                    raise CourseError(f"nbgrader {step} failed:\n{detail[-3000:]}")
        graded = nbformat.read(course / "autograded" / STUDENT / chapter / notebook.name,
                               as_version=4)
        return _print_results(root, chapter, graded, course, notebook.stem)


def _print_results(root: Path, chapter: str, graded, course: Path,
                   notebook_id: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    names = exercises(root, chapter)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submitted = gb.find_submission_notebook(notebook_id, chapter, STUDENT)
        # A graded answer cell (a written answer) is graded by hand, not by the tests.
        grades = {g.name: (g.score, g.max_score, g.name in names) for g in submitted.grades}
    messages = {}
    for cell in graded.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and grade_id:
                messages[grade_id] = f"{output.get('ename')}: {output.get('evalue')}"
    got = total = written = 0.0
    _ = i18n.gettext
    print(_("{chapter}: results of the visible and hidden tests").format(chapter=chapter) + "\n")
    for grade_id, (score, maximum, manual) in grades.items():
        if manual:
            written += maximum
            print(f"  [ -- ] {grade_id}: " + _("graded by your instructor ({points} points)").format(
                points=f"{maximum:g}"))
            continue
        total += maximum
        got += score or 0.0
        status = _("pass") if score == maximum else _("FAIL")
        print(f"  [{status}] {grade_id} ({exercise_of(grade_id, names)}): {score:g}/{maximum:g}")
        if grade_id in messages and score != maximum:
            print("         " + messages[grade_id].replace("\n", "\n         "))
    print("\n" + _("autograded score: {got} of {total} points").format(got=f"{got:g}", total=f"{total:g}")
          + (_(" (and {written} points of written answers, graded by your instructor)").format(
              written=f"{written:g}") if written else ""))
    return got, total

