"""`autograder check NOTEBOOK`: grade one notebook against the hidden tests, for self-study.

The notebook is graded by the same nbgrader pipeline as a class, in a private
scratch course (nothing in the course folder changes), and the result of every
test cell is reported: points, and for a failed test the message that says what
was wrong (never the hidden test's code).

`--format` chooses the report: `text` (for people; the default), `json` or `junit`
(for CI). `--output FILE` writes it to FILE; the text report then still goes to
standard output, for the log. The JSON document (version 1; keys are only ever added):

    {"version": 1, "chapter": "01_numerical", "notebook": "numerical.ipynb",
     "language": "en",           # the language of the messages ("en", "zh_CN")
     "score": 30.0,              # autograded points got ...
     "max_score": 33.0,          # ... of these
     "written_points": 3.0,      # points of written answers, graded by the instructor
     "tests": [                  # one per grade cell, in notebook order
       {"grade_id": "test_central_difference_hidden", "exercise": "central_difference",
        "points": 0.0,           # null for a written answer
        "max_points": 2.0,
        "status": "fail",        # "pass", "fail", or "manual" (a written answer)
        "message": "CheckFailure: 32 of 32 test cases ..."},   # null unless a failure said why
       ...]}

The JUnit XML (the Jenkins/pytest flavour of junitparser, which GitHub's, GitLab's and
Jenkins's test reporters read): one <testsuite> named after the chapter, with the
notebook, language, score, max_score and written_points as <properties>; one
<testcase> per grade cell (name: the grade_id, classname: the exercise) whose
<system-out> is "points: GOT/MAX" ("points: -/MAX" for a written answer, which is
<skipped>); a failed test has a <failure> whose message is the first line of the
student's message and whose text is all of it.

A message is written by the student's code: in JSON and XML it is data (escaped by the
library), without the characters XML 1.0 forbids (control characters, lone surrogates)
and with line ends as newlines; printed, each of its lines goes through `printable`.
Either way at most `MESSAGE_LIMIT` characters of it are kept.

The exit status is the same whatever the format: 0 when every autograded point is got,
1 otherwise, 2 when the notebook could not be graded (a CourseError; no report is written).
"""
from __future__ import annotations

import io
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from adcourse import i18n

from .course import EDITIONS, CourseError, base_chapter, chapters, edition, grading_config, working_in
from .i18n import notebook_language
from .scores import exercise_of, exercises
from .text import printable

STUDENT = "me"

#: The report formats of `autograder check --format`.
FORMATS = ("text", "json", "junit")

#: Characters of a message kept in a report. The course's own messages stay well under
#: it (two failing cases spelled out); a student's exception text arrives cut at 4000.
MESSAGE_LIMIT = 5000

#: What XML 1.0 does not allow in a document (its `Char` production).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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


def check(root: Path, notebook: Path, format: str = "text", output: Path | None = None) -> tuple[float, float]:
    """Grade `notebook`, report it in `format` (to `output`, or standard output), and
    return (autograded points got, autograded points in all)."""
    if format not in FORMATS:
        raise CourseError(f"unknown report format {format!r}; the formats are {', '.join(FORMATS)}")
    notebook = notebook.resolve()
    if not notebook.is_file():
        raise CourseError(f"no notebook at {notebook}")
    if output is not None:
        _writable(output)
    result = grade(root, notebook)
    _emit(result, format, output)
    if output is not None and format != "text":
        _emit(result, "text", None)
    return result.score, result.max_score


def grade(root: Path, notebook: Path) -> CheckResult:
    """The results of `notebook`'s test cells, graded in a private scratch course."""
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
        return _results(root, chapter, graded, course, notebook.name)


# --- the results ---------------------------------------------------------------------------------
@dataclass
class CellResult:
    """One grade cell: a test cell (status "pass" or "fail"), or a written answer ("manual",
    no points until the instructor grades it). `message` and `error` (the exception's
    name) are the student's code's, as the graded notebook holds them: raw."""

    grade_id: str
    exercise: str
    points: float | None
    max_points: float
    status: str
    message: str | None = None
    error: str | None = None


@dataclass
class CheckResult:
    chapter: str
    notebook: str
    language: str
    cells: list[CellResult]

    @property
    def score(self) -> float:
        return sum(c.points or 0.0 for c in self.cells if c.status != "manual")

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells if c.status != "manual")

    @property
    def written_points(self) -> float:
        return sum(c.max_points for c in self.cells if c.status == "manual")


def _results(root: Path, chapter: str, graded, course: Path, notebook: str) -> CheckResult:
    from nbgrader.api import Gradebook

    names = exercises(root, chapter)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submitted = gb.find_submission_notebook(Path(notebook).stem, chapter, STUDENT)
        # A graded answer cell (a written answer) is graded by hand, not by the tests.
        grades = [(g.name, g.score, g.max_score, g.name in names) for g in submitted.grades]
    errors = {}
    for cell in graded.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and grade_id:
                errors[grade_id] = (str(output.get("ename")), str(output.get("evalue")))
    cells = []
    for grade_id, score, maximum, manual in grades:
        if manual:
            cells.append(CellResult(grade_id, grade_id, None, maximum, "manual"))
            continue
        score = score or 0.0
        failed = score != maximum
        ename, evalue = errors.get(grade_id, (None, None)) if failed else (None, None)
        cells.append(CellResult(grade_id, exercise_of(grade_id, names), score, maximum,
                                "fail" if failed else "pass",
                                f"{ename}: {evalue}" if ename is not None else None, ename))
    return CheckResult(chapter, notebook, base_chapter(chapter)[1] or "en", cells)


# --- the reports ---------------------------------------------------------------------------------
def _writable(output: Path) -> None:
    """Fail before grading, not after, when the report cannot be written there."""
    if output.is_dir():
        raise CourseError(f"--output {output} is a folder: give the report's file name")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CourseError(f"cannot make the folder of --output {output} ({exc.strerror or exc})") from None


def _emit(result: CheckResult, format: str, output: Path | None) -> None:
    content = {"text": as_text, "json": as_json, "junit": as_junit}[format](result)
    if output is None:
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            print(content)
        return
    try:
        if isinstance(content, bytes):
            output.write_bytes(content)
        else:
            output.write_text(content + "\n", encoding="utf-8")
    except OSError as exc:
        raise CourseError(f"cannot write the report to {output} ({exc.strerror or exc})") from None


def _bounded(text: str) -> str:
    if len(text) > MESSAGE_LIMIT:
        return text[:MESSAGE_LIMIT] + f"... ({len(text) - MESSAGE_LIMIT} more characters)"
    return text


def as_data(text: str | None) -> str | None:
    """A message as JSON and XML carry it: what XML 1.0 allows, newlines for line ends, bounded."""
    if text is None:
        return None
    return _bounded(_NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def as_text(result: CheckResult) -> str:
    _ = i18n.gettext
    lines = [_("{chapter}: results of the visible and hidden tests").format(chapter=result.chapter), ""]
    for cell in result.cells:
        if cell.status == "manual":
            lines.append(f"  [ -- ] {cell.grade_id}: " + _("graded by your instructor ({points} points)").format(
                points=f"{cell.max_points:g}"))
            continue
        status = _("pass") if cell.status == "pass" else _("FAIL")
        lines.append(f"  [{status}] {cell.grade_id} ({cell.exercise}): {cell.points:g}/{cell.max_points:g}")
        if cell.message is not None:
            lines += ["         " + printable(line) for line in _bounded(cell.message).split("\n")]
    written = result.written_points
    lines += ["", _("autograded score: {got} of {total} points").format(
        got=f"{result.score:g}", total=f"{result.max_score:g}")
        + (_(" (and {written} points of written answers, graded by your instructor)").format(
            written=f"{written:g}") if written else "")]
    return "\n".join(lines)


def as_json(result: CheckResult) -> str:
    return json.dumps({
        "version": 1, "chapter": result.chapter, "notebook": result.notebook, "language": result.language,
        "score": result.score, "max_score": result.max_score, "written_points": result.written_points,
        "tests": [{"grade_id": c.grade_id, "exercise": c.exercise, "points": c.points,
                   "max_points": c.max_points, "status": c.status, "message": as_data(c.message)}
                  for c in result.cells],
    }, indent=2, ensure_ascii=False)


def as_junit(result: CheckResult) -> bytes:
    from junitparser import Failure, Skipped
    from junitparser.xunit2 import JUnitXml, TestCase, TestSuite

    _ = i18n.gettext
    suite = TestSuite(result.chapter)
    for name, value in (("chapter", result.chapter), ("notebook", result.notebook),
                        ("language", result.language), ("score", f"{result.score:g}"),
                        ("max_score", f"{result.max_score:g}"),
                        ("written_points", f"{result.written_points:g}")):
        suite.add_property(name, value)
    for cell in result.cells:
        case = TestCase(cell.grade_id, cell.exercise)
        if cell.status == "manual":
            case.result = [Skipped(_("graded by your instructor ({points} points)").format(
                points=f"{cell.max_points:g}"))]
            case.system_out = f"points: -/{cell.max_points:g}"
        else:
            if cell.status == "fail":
                message = as_data(cell.message)
                failure = Failure((message or "").split("\n", 1)[0] or f"{cell.points:g}/{cell.max_points:g} points",
                                  as_data(cell.error))
                if message:
                    failure.text = message
                case.result = [failure]
            case.system_out = f"points: {cell.points:g}/{cell.max_points:g}"
        suite.add_testcase(case)
    xml = JUnitXml()
    xml.add_testsuite(suite)
    xml.update_statistics()
    content = io.BytesIO()
    xml.write(content, pretty=True)
    return content.getvalue()
