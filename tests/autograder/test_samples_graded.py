"""Every sample submission graded as the sealed grader grades it, over the loopback bridge.

A sample's notebook (`autograder.samples.assemble`) is run here in notebook order: its
setup cell and answer cells in a namespace that stands for the kernel, and each test
cell of the instructor's notebook (visible and hidden: the sources the gradebook keeps)
at its place, through `run_test_cell` over a `Loopback` on that namespace, under the
salt grading draws for that student; a test cell that failed runs once more after the
last cell where grading runs it again (`judged_again`). So the requests, encoding, callbacks, copy-back
and failure messages are those of grading; what a loopback does not model (a sandboxed
kernel, nbgrader's scoring and pages) is tested for a few samples of each chapter
through the whole pipeline (tests/test_pipeline.py).

Checked for every sample: the test cells it fails are exactly those its `# loses:`
line declares (every cell of an exercise it does not lose passes; each exercise it
loses fails a cell), and the same cells under the inputs drawn for another student;
the alternative right answers pass everything; and the failure messages hold the words
`tests/expected.py` lists for the typical mistakes.
"""
from __future__ import annotations

import contextlib
import io
import re
import linecache
import sys
import warnings
from functools import lru_cache

import matplotlib
import nbformat
import numpy as np
import pytest

from autograder.cases import SALT, salt_for
from autograder.checking import NAMING
from adcourse import i18n
from adcourse.i18n import translated
from autograder.course import base_chapter, chapters, notebook_name
from autograder.i18n import LANGUAGE_CELL
from autograder.mistakes import NOT_ANSWERED, mistake_names
from autograder.samples import assemble, samples
from autograder.scores import exercise_of
from autograder.sealed import AGAIN, Loopback, exercise_names, judged_again, run_test_cell

from ..conftest import ROOT
from ..expected import ALTERNATIVES, FEEDBACK, IN_A_KERNEL_ONLY

matplotlib.use("Agg")

CHAPTERS = [c for c in chapters(ROOT, editions=True) if (ROOT / "samples" / c).is_dir()]
#: A test cell's time limit, as nbgrader_config.py sets it for grading.
SECONDS = 120.0


@lru_cache(maxsize=None)
def instructor(chapter):
    return nbformat.read(ROOT / "solutions" / chapter / notebook_name(ROOT, chapter), as_version=4)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


@lru_cache(maxsize=None)
def grade_cells(chapter) -> dict[str, str]:
    """grade_id -> source of each autograded test cell (graded, not an answer)."""
    return {_meta(c)["grade_id"]: c.source for c in instructor(chapter).cells
            if c.cell_type == "code" and _meta(c).get("grade") and not _meta(c).get("solution")}


@lru_cache(maxsize=None)
def answer_ids(chapter) -> tuple[str, ...]:
    return tuple(_meta(c)["grade_id"] for c in instructor(chapter).cells if _meta(c).get("solution"))


@lru_cache(maxsize=None)
def graded(chapter: str, student: str, drawn_for: str | None = None,
           sample_of: str | None = None) -> dict[str, str | None]:
    """grade_id -> None for each test cell the sample passes, else its failure message,
    under the salt grading draws for the student (or for the student `drawn_for`: then
    only which cells fail counts, and failures are not compared with the typical mistakes
    to name them, `NAMING`). The sample is the chapter's, or chapter `sample_of`'s (an
    English sample submitted in a translated edition)."""
    naming = NAMING.set(drawn_for is None)
    try:
        return _graded(chapter, student, drawn_for, sample_of or chapter)
    finally:
        NAMING.reset(naming)
        i18n.use("en", plots=False)  # a translated edition's first cell chose its language


def _graded(chapter: str, student: str, drawn_for: str | None, sample_of: str) -> dict[str, str | None]:
    sample = next(s for s in samples(ROOT, sample_of) if s.student == student)
    nb = assemble(ROOT, chapter, sample)
    # The grader's messages in the edition's language, as a grading worker sets them.
    i18n.use(base_chapter(chapter)[1] or "en", plots=False)
    answers = [c for c in nb.cells if _meta(c).get("grade_id") in answer_ids(chapter)]
    names = exercise_names([c.source for c in answers if c.cell_type == "code"])
    notebook = notebook_name(ROOT, chapter)
    token = SALT.set(salt_for(f"{chapter}/{notebook}", drawn_for or student, [c.source for c in answers]))
    namespace: dict = {"__name__": "__main__"}
    results: dict[str, str | None] = {}
    again: list[str] = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    # The setup cell: the first code cell, after the one that sets an edition's language.
    setup = [c for c in code if _meta(c).get("grade_id") != LANGUAGE_CELL][0]
    limit = sys.getrecursionlimit()  # a sample may raise it (its kernel is this process)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for number, cell in enumerate(code):
                grade_id = _meta(cell).get("grade_id")
                if grade_id in grade_cells(chapter):
                    _, error = run_test_cell(Loopback(namespace), grade_cells(chapter)[grade_id],
                                             f"test {grade_id}", names, SECONDS)
                    # As the error output of the cell: the kernel's name for an error the answer raised.
                    results[grade_id] = None if error is None else \
                        f"{getattr(error, 'ename', type(error).__name__)}: {error}"
                    if judged_again(error):
                        again.append(grade_id)
                elif cell is setup or cell in answers or _meta(cell).get("grade_id") == LANGUAGE_CELL:
                    filename = f"<cell {number}>"
                    linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
                    try:
                        exec(compile(cell.source, filename, "exec"), namespace)
                    except Exception:  # noqa: BLE001 (as in a kernel: the cell fails, the rest runs)
                        pass
            again_token = SALT.set(f"{SALT.get()}{AGAIN}")  # after the last cell, on new inputs
            try:
                for grade_id in again:
                    _, error = run_test_cell(Loopback(namespace), grade_cells(chapter)[grade_id],
                                             f"test {grade_id}", names, SECONDS)
                    if error is None:
                        results[grade_id] = None
            finally:
                SALT.reset(again_token)
    finally:
        SALT.reset(token)
        sys.setrecursionlimit(limit)
    return results


SAMPLES = [(c, s.student) for c in CHAPTERS for s in samples(ROOT, c) if s.student != "instructor"]


@pytest.mark.parametrize("chapter, student", SAMPLES, ids=[f"{c}-{s}" for c, s in SAMPLES])
def test_each_sample_fails_exactly_the_cells_it_declares(chapter, student):
    sample = next(s for s in samples(ROOT, chapter) if s.student == student)
    results = graded(chapter, student)
    assert set(results) == set(grade_cells(chapter)), "every test cell ran"
    names = list(answer_ids(chapter))
    wrong = []
    for cell, failure in results.items():
        exercise = exercise_of(cell, names)
        if "*" in sample.loses and failure is None:
            wrong.append(f"{cell} passes, but the sample loses everything")
        elif cell in sample.loses and failure is None:
            wrong.append(f"{cell} passes, but the sample declares it lost")
        elif "*" not in sample.loses and exercise not in sample.loses and cell not in sample.loses and failure:
            wrong.append(f"{cell} fails, which the sample's mistakes do not touch: {failure[:300]}")
    for exercise in sample.loses:
        cells = [c for c in results if exercise_of(c, names) == exercise]
        if exercise in names and cells and all(results[c] is None for c in cells):
            wrong.append(f"{exercise} keeps every point")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("chapter, student", SAMPLES, ids=[f"{c}-{s}" for c, s in SAMPLES])
def test_each_sample_fails_the_same_cells_whatever_the_salt(chapter, student):
    """A sample never loses or keeps points by the luck of the draw: the cells it fails
    are the same under the inputs drawn for another student."""
    mine, drawn_for_another = graded(chapter, student), graded(chapter, student, "another " + student)
    differ = {cell: (mine[cell], drawn_for_another[cell]) for cell in mine
              if (mine[cell] is None) != (drawn_for_another[cell] is None)}
    assert not differ, differ


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_instructors_notebook_passes_every_test_cell(chapter):
    failed = {cell: why for cell, why in graded(chapter, "instructor").items() if why}
    assert not failed, failed


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_alternative_answers_pass_every_test_cell(chapter):
    assert ALTERNATIVES[chapter]
    for student in ALTERNATIVES[chapter]:
        failed = {cell: why for cell, why in graded(chapter, student).items() if why}
        assert not failed, (student, failed)


FEEDBACK_CASES = [(c, s, w) for c in CHAPTERS for s, w in FEEDBACK[c]]


@pytest.mark.parametrize("chapter, student, words", FEEDBACK_CASES,
                         ids=[f"{c}-{s}-{w[:30]}" for c, s, w in FEEDBACK_CASES])
def test_the_failure_names_the_mistake(chapter, student, words):
    words = IN_A_KERNEL_ONLY.get((chapter, student), words)
    messages = [why for why in graded(chapter, student).values() if why]
    assert any(words in why for why in messages), "\n".join(m[:400] for m in messages)


#: Each chapter with a translated edition whose whole English class is also graded in it.
ACROSS_EDITIONS = [("01_numerical", "01_numerical_zh")]
ACROSS = [(c, e, s.student) for c, e in ACROSS_EDITIONS for s in samples(ROOT, c)]


@pytest.mark.parametrize("chapter, edition, student", ACROSS, ids=[f"{e}-{s}" for c, e, s in ACROSS])
def test_an_answer_fails_the_same_cells_in_every_edition(chapter, edition, student):
    """The same answers get the same points in the Chinese edition as in the English one
    (the same cells, hidden tests and points: the inputs drawn differ, as for another
    student), and the Chinese edition's failures are said in Chinese."""
    english, chinese = graded(chapter, student), graded(edition, student, sample_of=chapter)
    assert set(english) == set(chinese)
    differ = {cell: (english[cell], chinese[cell]) for cell in english
              if (english[cell] is None) != (chinese[cell] is None)}
    assert not differ, differ
    for cell, why in chinese.items():
        if why and why.startswith("CheckFailure"):  # a test's finding, not the student's own error
            assert re.search(r"[\u4e00-\u9fff]", why), (cell, why[:300])


def loose(text: str) -> str:
    """Words with their numbers, and the report's stand-ins for them (N, …), made one."""
    return re.sub(r"…|\bN\b|\d+(?:[.,_]\d+)*(?:e[-+]?\d+)?", "#", text)


def named_mistakes(chapter: str) -> dict[str, dict[str, list[str]]]:
    """student -> exercise -> the mistakes `autograder report` names from the messages of
    the test cells the sample failed (autograder.mistakes.read_mistakes on the autograded
    notebooks; here on the messages of the loopback grading)."""
    names = list(answer_ids(chapter))
    language = base_chapter(chapter)[1] or "en"
    found = {}
    for sample in samples(ROOT, chapter):
        per_exercise = found.setdefault(sample.student, {})
        for cell, why in graded(chapter, sample.student).items():
            if why:
                ename, _, evalue = why.partition(": ")
                named = per_exercise.setdefault(exercise_of(cell, names), [])
                named += [n for n in mistake_names(ename, evalue, language) if n not in named]
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_report_counts_each_sample_under_the_mistake_it_declares(chapter):
    """The item analysis's mistake counts on the whole sample class: each typical mistake of
    `tests/expected.py` is named, for its sample, on an exercise the sample loses; every
    student counted under a mistake lost that exercise; the untouched notebook is counted
    as not answered on every exercise with a test; a mistake is counted once per student."""
    found = named_mistakes(chapter)
    names = list(answer_ids(chapter))
    # The exercises a sample loses points on: those it names, and those of the cells it names.
    declared = {s.student: {exercise_of(x, names) if x.startswith("test_") else x for x in s.loses}
                for s in samples(ROOT, chapter)}
    language = base_chapter(chapter)[1] or "en"
    likely = translated("likely mistake: {hint}", language).split("{")[0]
    wrong = []
    for student, words in FEEDBACK[chapter]:
        if student == "untouched":  # below: not answered, on every exercise
            continue
        words = IN_A_KERNEL_ONLY.get((chapter, student), words).removeprefix(likely)
        said = [n for exercise, named in found[student].items() for n in named
                if "*" in declared[student] or exercise in declared[student]]
        if not any(loose(words) in loose(n) for n in said):
            wrong.append(f"{student}: {words!r} not among {said}")
    for student, per_exercise in found.items():
        for exercise, named in per_exercise.items():
            if named and "*" not in declared[student] and exercise not in declared[student]:
                wrong.append(f"{student} is counted under {named} on {exercise}, which it keeps")
    untouched = found["untouched"]
    wrong += [f"untouched on {e}: {n}" for e, n in untouched.items()
              if n != [translated(NOT_ANSWERED, language)]]
    assert not wrong, "\n".join(wrong)
