"""The whole pipeline on a sample class of every chapter, through the real `autograder` command.

Each chapter's class (the instructor's notebook, the untouched one, and the samples of
`expected.THROUGH_NBGRADER`: an alternative right answer and a mistake; every sample is
graded over the loopback bridge in tests/autograder/test_samples_graded.py) is copied
into a scratch course, where `autograder demo` builds the course, loads every class into
submitted/, grades them all in one batch with stock nbgrader underneath (autograde,
generate_feedback) and reports each chapter; the tests then read the gradebook and the
files a student and an instructor get.
"""
from __future__ import annotations

import csv
import re
import shutil

import nbformat
import pytest

from autograder.course import chapters, notebook_name
from autograder.report import EXPORT_COLUMNS
from autograder.samples import samples
from autograder.scores import exercise_of, read_scores

from .conftest import ROOT, autograder, copy_course
from .expected import ALTERNATIVES, FEEDBACK, THROUGH_NBGRADER

#: Every chapter with a sample class.
CHAPTERS = [c for c in chapters(ROOT, editions=True) if (ROOT / "samples" / c).is_dir()]
pytestmark = pytest.mark.pipeline


def graded_here(chapter) -> set[str]:
    """The samples this module grades through nbgrader."""
    return {"instructor", "untouched", *THROUGH_NBGRADER[chapter]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`autograder demo` (the README's `make demo`) on a scratch course holding each
    chapter's class: the course built in one nbgrader process, every class graded in one
    batch, each chapter reported. A chapter's first `grade` in a course never built
    builds it itself: tests/test_batch.py grades so."""
    root = copy_course(tmp_path_factory.mktemp("course"), editions=True)
    for chapter in CHAPTERS:
        for path in (root / "samples" / chapter).glob("*.py"):
            if path.stem not in graded_here(chapter):
                path.unlink()
    done = autograder(root, "demo", timeout=1800)
    grading, _, reports = done.stdout.partition("\n== ")
    sections = re.split(rf"^({'|'.join(map(re.escape, CHAPTERS))}):$", grading, flags=re.M)
    graded = dict(zip(sections[1::2], sections[2::2]))
    reported = dict(re.findall(r"^== (\S+) ==\n(.*?)(?=^== |\Z)", "== " + reports, flags=re.M | re.S))
    assert set(graded) == set(reported) == set(CHAPTERS), done.stdout
    return {"root": root, "stdout": done.stdout, "grade_output": graded, "report_output": reported}


@pytest.fixture(params=CHAPTERS)
def graded(request, demo):
    """One chapter's sample class as the demo graded and reported it."""
    chapter, course_root = request.param, demo["root"]
    names, maximum, rows = read_scores(course_root, chapter)
    return {"root": course_root, "chapter": chapter, "names": names,
            "maximum": maximum, "rows": {r.student: r for r in rows},
            "grade_output": demo["grade_output"][chapter],
            "report_output": demo["report_output"][chapter],
            "samples": {s.student: s for s in samples(course_root, chapter)},
            "notebook": notebook_name(ROOT, chapter)}


def test_the_demo_grades_every_class_in_one_batch(demo):
    submissions = sum(len(graded_here(c)) for c in CHAPTERS)
    assert f"grading {submissions} of {submissions} submissions of {', '.join(CHAPTERS)} with" \
        in demo["stdout"], demo["stdout"]
    assert f"{len(CHAPTERS)} chapters: {submissions} submissions run in" in demo["stdout"]


def autograded_cells(graded, student):
    """grade cell id -> (score, max score), for autograded cells only."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(graded["notebook"].removesuffix(".ipynb"), graded["chapter"], student)
        return {g.name: (g.score, g.max_score) for g in nb.grades if g.auto_score is not None
                and not g.name.startswith("written")}


def test_every_sample_was_graded(graded):
    count = len(graded["samples"])
    assert set(graded["rows"]) == set(graded["samples"])
    assert f"graded {count} of {count} submissions" in graded["grade_output"]


def test_instructor_notebook_gets_full_marks(graded):
    cells = autograded_cells(graded, "instructor")
    assert cells and all(score == top for score, top in cells.values())


def test_untouched_student_notebook_gets_zero(graded):
    row = graded["rows"]["untouched"]
    assert row.total == 0.0


def test_each_sample_loses_points_exactly_where_it_says(graded):
    names = graded["names"]
    wrong = []
    for student, sample in sorted(graded["samples"].items()):
        loses = sample.loses
        cells = autograded_cells(graded, student)
        row = graded["rows"][student]
        assert cells, student
        for cell, (score, top) in cells.items():
            exercise = exercise_of(cell, names)
            if "*" in loses and score != 0.0:
                wrong.append(f"{student}: {cell} should score 0")
            elif cell in loses and not score < top:
                wrong.append(f"{student}: {cell} should lose points")
            elif "*" not in loses and exercise not in loses and cell not in loses and score != top:
                wrong.append(f"{student} lost points on {cell}, which its mistakes do not touch")
        for exercise in loses:
            if exercise in names and not row.scores[exercise] < graded["maximum"][exercise]:
                wrong.append(f"{student}: {exercise} kept its points")
    assert not wrong, "\n".join(wrong)


def test_alternative_answers_keep_full_marks(graded):
    alternatives = [s for s in ALTERNATIVES.get(graded["chapter"], ()) if s in graded["samples"]]
    assert alternatives, "each chapter's class holds an alternative right answer"
    for student in alternatives:
        cells = autograded_cells(graded, student)
        assert all(score == top for score, top in cells.values()), student


@pytest.mark.parametrize("graded", ["01_numerical"], indirect=True)
def test_stderr_output_keeps_full_marks_and_is_marked(graded):
    cells = autograded_cells(graded, "lea_warnings")
    assert all(score == top for score, top in cells.values())
    graded_nb = nbformat.read(graded["root"] / "autograded" / "lea_warnings" / "01_numerical" / "numerical.ipynb", 4)
    text = "".join(o.get("text", "") for c in graded_nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "[stderr]" in text, "the stderr output is kept, marked, in the graded notebook"


def hidden_lines(chapter):
    nb = nbformat.read(ROOT / "solutions" / chapter / notebook_name(ROOT, chapter), as_version=4)
    lines = []
    for cell in nb.cells:
        if "BEGIN HIDDEN TESTS" in cell.source:
            region = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            lines += [ln.strip() for ln in region.splitlines() if ln.strip()]
    return lines


def test_feedback_contains_no_hidden_test_source(graded):
    chapter = graded["chapter"]
    forbidden = hidden_lines(chapter) + ["BEGIN HIDDEN TESTS", "autograder.cases"]
    assert len(forbidden) > 10
    page_name = graded["notebook"].replace(".ipynb", ".html")
    pages = list((graded["root"] / "feedback").glob(f"*/{chapter}/{page_name}"))
    assert len(pages) == len(graded["samples"])
    for page in pages:
        text = page.read_text(encoding="utf-8")
        import html
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        for line in forbidden:
            assert line not in plain, f"{page.parent.parent.name}: {line}"


def test_feedback_says_what_was_wrong(graded):
    import html
    chapter = graded["chapter"]
    checked = [(student, words) for student, words in FEEDBACK[chapter] if student in graded["samples"]]
    assert len({student for student, _ in checked}) >= 2, "a mistake and the untouched notebook"
    for student, words in checked:
        page = graded["root"] / "feedback" / student / chapter / graded["notebook"].replace(".ipynb", ".html")
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert words in text, f"{student}: {words}"


def test_report_writes_an_export_csv_and_a_png(graded):
    folder = graded["root"] / "reports" / graded["chapter"]
    with open(folder / "grades.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    assert rows[0][len(EXPORT_COLUMNS):] == graded["names"]
    assert len(rows) == 1 + len(graded["samples"])
    by_student = {r[3]: r for r in rows[1:]}
    assert float(by_student["untouched"][9]) == 0.0
    assert (folder / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert graded["names"][0] in graded["report_output"]


@pytest.mark.parametrize("graded", ["01_numerical"], indirect=True)
def test_report_analyses_each_exercise_and_counts_the_mistakes_the_feedback_named(graded):
    """The item analysis of the class the demo graded (the instructor, kim_alternative and
    lea_warnings with full marks, cleo_one_sided losing central_difference, and untouched,
    which answers nothing and is left out of the statistics), computed by hand: in
    items.csv, the terminal's table and the chapter page."""
    folder = graded["root"] / "reports" / "01_numerical"
    with open(folder / "items.csv", newline="", encoding="utf-8") as handle:
        items = {row["exercise"]: row for row in csv.DictReader(handle)}
    assert list(items) == graded["names"]
    cleo, top = graded["rows"]["cleo_one_sided"].scores["central_difference"], graded["maximum"]["central_difference"]
    central = items["central_difference"]
    assert int(central["graded"]) == 4
    assert float(central["difficulty"]) == pytest.approx(3 / 4)  # cleo loses it
    assert float(central["mean"]) == pytest.approx(round((3 * top + cleo) / 4, 4))
    mistakes = central["mistakes"].split("\n")
    assert len(mistakes) == 1 and mistakes[0].startswith("1: a one-sided difference (f(x+h) - f(x)) / h was used")
    forward = items["forward_difference"]
    assert float(forward["difficulty"]) == 1.0 and forward["mistakes"] == ""
    assert forward["point_biserial"] == forward["item_rest"] == forward["upper_lower_27"] == "", \
        "full marks that do not vary say nothing"
    written = items["written_v_shape"]
    assert int(written["awaiting_manual_grading"]) >= 3 and written["difficulty"] == "", "written answers wait"
    report = graded["report_output"]
    assert "p-bis" in report and "awaiting manual grading" in report
    assert "left out of the statistics: 1 without any answer (untouched)" in report
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "a one-sided difference" in page and "cleo_one_sided" in page
    assert "Left out of the statistics: 1 without any answer (untouched)" in page
    assert (folder / "items.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(folder / "similarity.csv", newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [["rank", "student_a", "student_b", "score", "exercises"]]


@pytest.mark.parametrize("graded", ["01_numerical"], indirect=True)
def test_check_prints_each_test_and_what_failed_and_scores_as_grading_did(graded, tmp_path):
    """`autograder check` on a notebook of the class: each test's line, the failure's
    message, and the autograded score the class's grading gave it. (The instructor's
    notebook gets full marks from the same grading: test_instructor_notebook_gets_full_marks.)"""
    student = "cleo_one_sided"
    mine = tmp_path / "numerical.ipynb"
    shutil.copy(graded["root"] / "submitted" / student / "01_numerical" / "numerical.ipynb", mine)
    before = mine.read_bytes()
    result = autograder(graded["root"], "check", str(mine), check=False)
    assert result.returncode == 1, result.stderr
    assert "[FAIL] test_central_difference_hidden" in result.stdout
    assert "one-sided difference" in result.stdout
    assert "[pass] test_richardson_hidden" in result.stdout
    assert "compare(" not in result.stdout
    cells = autograded_cells(graded, student)
    got, top = sum(score for score, _ in cells.values()), sum(top for _, top in cells.values())
    assert 0 < got < top
    assert f"autograded score: {got:g} of {top:g} points" in result.stdout, result.stdout
    assert mine.read_bytes() == before, "check leaves the notebook as it was"


@pytest.mark.parametrize("graded", ["01_numerical"], indirect=True)
def test_check_explains_a_file_that_is_not_a_notebook(graded, tmp_path):
    broken = tmp_path / "numerical.ipynb"
    broken.write_text("{ not json")
    result = autograder(graded["root"], "check", str(broken), check=False)
    assert result.returncode == 2
    assert "is not a readable notebook" in result.stderr
