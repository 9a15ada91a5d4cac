"""The whole pipeline on the sample class, through the real `autograder` command.

The sample class is copied into a scratch course, loaded into submitted/, graded
with stock nbgrader underneath (autograde, generate_feedback) and reported; the
tests then read the gradebook and the files a student and an instructor get.
"""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.report import EXPORT_COLUMNS
from autograder.samples import samples
from autograder.scores import exercise_of, read_scores

from .conftest import ROOT, copy_course

CHAPTER = "01_numerical"
SAMPLES = {s.student: s for s in samples(ROOT, CHAPTER)}
pytestmark = pytest.mark.pipeline


def autograder(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), *args],
                            text=True, capture_output=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("course"))
    autograder(root, "sample", CHAPTER)
    grading = autograder(root, "grade", CHAPTER)
    report = autograder(root, "report", CHAPTER)
    names, maximum, rows = read_scores(root, CHAPTER)
    return {"root": root, "names": names, "maximum": maximum,
            "rows": {r.student: r for r in rows}, "grade_output": grading.stdout,
            "report_output": report.stdout}


def autograded_cells(graded, student):
    """grade cell id -> (score, max score), for autograded cells only."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("numerical", CHAPTER, student)
        return {g.name: (g.score, g.max_score) for g in nb.grades if g.auto_score is not None
                and not g.name.startswith("written")}


def test_every_sample_was_graded(graded):
    assert set(graded["rows"]) == set(SAMPLES)
    assert f"graded {len(SAMPLES)} of {len(SAMPLES)} submissions" in graded["grade_output"]


def test_instructor_notebook_gets_full_marks(graded):
    cells = autograded_cells(graded, "instructor")
    assert cells and all(score == top for score, top in cells.values())


def test_untouched_student_notebook_gets_zero(graded):
    row = graded["rows"]["untouched"]
    assert row.total == 0.0


@pytest.mark.parametrize("student", sorted(SAMPLES))
def test_each_sample_loses_points_exactly_where_it_says(graded, student):
    loses = SAMPLES[student].loses
    names = graded["names"]
    cells = autograded_cells(graded, student)
    row = graded["rows"][student]
    for cell, (score, top) in cells.items():
        exercise = exercise_of(cell, names)
        if "*" in loses:
            assert score == 0.0, cell
        elif cell in loses:
            assert score < top, f"{cell} should lose points"
        elif exercise not in loses:
            assert score == top, f"{student} lost points on {cell}, which its mistakes do not touch"
    for exercise in loses:
        if exercise in names:
            assert row.scores[exercise] < graded["maximum"][exercise], f"{exercise} kept its points"


def test_alternative_answers_and_stderr_output_keep_full_marks(graded):
    for student in ("kim_alternative", "lea_warnings"):
        cells = autograded_cells(graded, student)
        assert all(score == top for score, top in cells.values()), student
    graded_nb = nbformat.read(graded["root"] / "autograded" / "lea_warnings" / CHAPTER / "numerical.ipynb", 4)
    text = "".join(o.get("text", "") for c in graded_nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "[stderr]" in text, "the stderr output is kept, marked, in the graded notebook"


def hidden_lines():
    nb = nbformat.read(ROOT / "solutions" / CHAPTER / "numerical.ipynb", as_version=4)
    lines = []
    for cell in nb.cells:
        if "BEGIN HIDDEN TESTS" in cell.source:
            region = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            lines += [ln.strip() for ln in region.splitlines() if ln.strip()]
    return lines


def test_feedback_contains_no_hidden_test_source(graded):
    forbidden = hidden_lines() + ["BEGIN HIDDEN TESTS", "autograder.cases", "isolate="]
    assert len(forbidden) > 10
    pages = list((graded["root"] / "feedback").glob(f"*/{CHAPTER}/numerical.html"))
    assert len(pages) == len(SAMPLES)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        import html
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        for line in forbidden:
            assert line not in plain, f"{page.parent.parent.name}: {line}"


@pytest.mark.parametrize("student, words", [
    ("cleo_one_sided", "a one-sided difference (f(x+h) - f(x)) / h was used"),
    ("gia_transposed", "the result is transposed"),
    ("hugo_in_place", "modified its argument 2 in place"),
    ("iris_no_floor", "the floor was left out"),
    ("erin_complex", "was not divided by h"),
    ("finn_richardson_swapped", "the weights are swapped"),
    ("jack_signed_errors", "absolute values (np.abs) are expected"),
    ("untouched", "is not answered yet"),
])
def test_feedback_says_what_was_wrong(graded, student, words):
    import html
    text = (graded["root"] / "feedback" / student / CHAPTER / "numerical.html").read_text(encoding="utf-8")
    assert words in html.unescape(re.sub(r"<[^>]+>", "", text))


def test_report_writes_an_export_csv_and_a_png(graded):
    folder = graded["root"] / "reports" / CHAPTER
    with open(folder / "grades.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    assert rows[0][len(EXPORT_COLUMNS):] == graded["names"]
    assert len(rows) == 1 + len(SAMPLES)
    by_student = {r[3]: r for r in rows[1:]}
    assert float(by_student["untouched"][9]) == 0.0
    assert (folder / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "central_difference" in graded["report_output"]


def test_check_prints_each_test_and_what_failed(graded, tmp_path):
    mine = tmp_path / "numerical.ipynb"
    shutil.copy(graded["root"] / "submitted" / "cleo_one_sided" / CHAPTER / "numerical.ipynb", mine)
    before = mine.read_bytes()
    result = autograder(graded["root"], "check", str(mine), check=False)
    assert result.returncode == 1, result.stderr
    assert "[FAIL] test_central_difference_hidden" in result.stdout
    assert "one-sided difference" in result.stdout
    assert "[pass] test_richardson_hidden" in result.stdout
    assert "compare(" not in result.stdout
    assert mine.read_bytes() == before, "check leaves the notebook as it was"


def test_check_gives_full_marks_to_the_solution(graded, tmp_path):
    mine = tmp_path / "numerical.ipynb"
    shutil.copy(ROOT / "solutions" / CHAPTER / "numerical.ipynb", mine)
    result = autograder(graded["root"], "check", str(mine))
    assert "autograded score: 27 of 27 points" in result.stdout


def test_check_explains_a_file_that_is_not_a_notebook(graded, tmp_path):
    broken = tmp_path / "numerical.ipynb"
    broken.write_text("{ not json")
    result = autograder(graded["root"], "check", str(broken), check=False)
    assert result.returncode == 2
    assert "is not a readable notebook" in result.stderr
