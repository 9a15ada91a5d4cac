"""The whole pipeline on the sample class of every chapter, through the real `autograder` command.

Each chapter's sample class is copied into a scratch course, loaded into submitted/,
graded with stock nbgrader underneath (autograde, generate_feedback) and reported
(once per chapter); the tests then read the gradebook and the files a student and an
instructor get.
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

from autograder.course import chapters, notebook_name
from autograder.report import EXPORT_COLUMNS
from autograder.samples import samples
from autograder.scores import exercise_of, read_scores

from .conftest import ROOT, copy_course

#: Every chapter with a sample class.
CHAPTERS = [c for c in chapters(ROOT) if (ROOT / "samples" / c).is_dir()]
#: Samples whose answers are right but written differently: full marks.
ALTERNATIVES = {"01_numerical": ("kim_alternative", "lea_warnings"),
                "02_symbolic": ("kai_alternative",),
                "03_forward": ("jade_alternative",),
                "04_reverse": ("lia_alternative",),
                "05_matrix_calculus": ("nora_alternative",),
                "06_tensor_autodiff": ("kai_alternative",),
                "07_nonsmooth": ("kai_alternative",)}
pytestmark = pytest.mark.pipeline


def samples_of(chapter):
    return {s.student: s for s in samples(ROOT, chapter)}


def autograder(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), *args],
                            text=True, capture_output=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("course"))


_GRADED: dict = {}


@pytest.fixture(params=CHAPTERS)
def graded(request, course_root):
    """The chapter's sample class, graded and reported once (all chapters share one course)."""
    chapter = request.param
    if chapter not in _GRADED:
        autograder(course_root, "sample", chapter)
        grading = autograder(course_root, "grade", chapter)
        report = autograder(course_root, "report", chapter)
        names, maximum, rows = read_scores(course_root, chapter)
        _GRADED[chapter] = {"root": course_root, "chapter": chapter, "names": names,
                            "maximum": maximum, "rows": {r.student: r for r in rows},
                            "grade_output": grading.stdout, "report_output": report.stdout,
                            "samples": samples_of(chapter),
                            "notebook": notebook_name(ROOT, chapter)}
    return _GRADED[chapter]


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
    alternatives = ALTERNATIVES.get(graded["chapter"], ())
    assert alternatives, "each chapter's sample class holds an alternative right answer"
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


FEEDBACK = {
    "01_numerical": [
        ("cleo_one_sided", "a one-sided difference (f(x+h) - f(x)) / h was used"),
        ("gia_transposed", "the result is transposed"),
        ("hugo_in_place", "modified its argument 2 in place"),
        ("iris_no_floor", "the floor was left out"),
        ("erin_complex", "was not divided by h"),
        ("finn_richardson_swapped", "the weights are swapped"),
        ("jack_signed_errors", "absolute values (np.abs) are expected"),
        ("untouched", "is not answered yet"),
    ],
    "02_symbolic": [
        ("ana_no_chain", "the chain rule is missing"),
        ("bo_sympy", "sympy is not available while this notebook is graded"),
        ("cy_product_rule", "the product rule was taken as (u v)' = u' v'"),
        ("eli_lazy_simplify", "larger than what the rules give"),
        ("gus_shared_once", "was counted once"),
        ("hal_off_by_one", "one step too many"),
        ("ivy_variable_order", "the variables were taken in alphabetical order"),
        ("untouched", "is not answered yet"),
    ],
    "03_forward": [
        ("dora_rpow", "lost the factor log(number)"),
        ("eve_no_chain", "the chain rule is missing"),
        ("finn_value", "the value f(x) was returned"),
        ("hana_transposed", "the result is transposed"),
        ("ian_first_derivative", "the first derivative was returned"),
        ("untouched", "is not answered yet"),
    ],
    "04_reverse": [
        ("max_overwrite", "overwritten instead of accumulated"),
        ("ned_recursive", "recursion"),
        ("ola_paths", "follows every path instead of visiting each node once"),
        ("pia_rtruediv", "number / Var has the wrong sign"),
        ("quin_grad_order", "the partial derivatives are in the wrong order"),
        ("rae_relu", "relu'(0) is 0 in this course"),
        ("sam_twice", "backward called twice changed the gradients"),
        ("untouched", "is not answered yet"),
    ],
    "05_matrix_calculus": [
        ("liam_logdet_inverse", "X^-1 was returned, the transpose of the gradient"),
        ("mia_symmetric_quadratic", "2 A X holds only for a symmetric A"),
        ("noah_half_least_squares", "off by a factor of 2"),
        ("olga_transposed_softmax", "transposed"),
        ("pia_logistic_sum", "the loss is their mean"),
        ("quin_vjp_no_transpose", "dL/dA = G B was returned; it is G B^T"),
        ("ruth_unbroadcast_no_keepdims", "the values are right but the shape is not"),
        ("sam_mlp_no_tanh_prime", "tanh' is missing"),
        ("untouched", "is not answered yet"),
    ],
    "06_tensor_autodiff": [
        ("ana_no_unbroadcast", "broadcasting was not undone"),
        ("ben_matmul_transpose", "the matmul VJP misses a transpose"),
        ("cleo_overwrite", "a gradient was overwritten instead of accumulated"),
        ("dan_keepdims", "removed the summed axes"),
        ("eva_division_sign", "the division VJP for the denominator has the wrong sign"),
        ("finn_relu", "the relu VJP must multiply g by the step"),
        ("gus_loss_tensors", "the losses must be floats"),
        ("untouched", "is not answered yet"),
    ],
    "07_nonsmooth": [
        ("ana_nan_kink", "x / abs(x) is 0/0 = nan there"),
        ("ben_shrink", "none is set to 0"),
        ("ben_shrink", "never sets one to 0"),
        ("cleo_threshold_lam", "the threshold is lam; the proximal step of ISTA"),
        ("dan_step_norm", "the step is 1 / norm(A, 2); 1/L is 1 / norm(A, 2)**2"),
        ("eve_gradient_sign", "the gradient's sign is flipped"),
        ("finn_momentum", "the momentum is computed from the extrapolated points"),
        ("gia_fixed_step", "the step is fixed at step0"),
        ("hugo_frobenius", "the Frobenius norm"),
        ("untouched", "is not answered yet"),
    ],
}


def test_feedback_says_what_was_wrong(graded):
    import html
    chapter = graded["chapter"]
    for student, words in FEEDBACK[chapter]:
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
def test_check_prints_each_test_and_what_failed(graded, tmp_path):
    mine = tmp_path / "numerical.ipynb"
    shutil.copy(graded["root"] / "submitted" / "cleo_one_sided" / "01_numerical" / "numerical.ipynb", mine)
    before = mine.read_bytes()
    result = autograder(graded["root"], "check", str(mine), check=False)
    assert result.returncode == 1, result.stderr
    assert "[FAIL] test_central_difference_hidden" in result.stdout
    assert "one-sided difference" in result.stdout
    assert "[pass] test_richardson_hidden" in result.stdout
    assert "compare(" not in result.stdout
    assert mine.read_bytes() == before, "check leaves the notebook as it was"


def test_check_gives_full_marks_to_the_solution(graded, tmp_path):
    mine = tmp_path / graded["notebook"]
    shutil.copy(ROOT / "solutions" / graded["chapter"] / graded["notebook"], mine)
    result = autograder(graded["root"], "check", str(mine))
    top = sum(graded["maximum"][n] for n in graded["names"] if not n.startswith("written"))
    assert f"autograded score: {top:g} of {top:g} points" in result.stdout


@pytest.mark.parametrize("graded", ["01_numerical"], indirect=True)
def test_check_explains_a_file_that_is_not_a_notebook(graded, tmp_path):
    broken = tmp_path / "numerical.ipynb"
    broken.write_text("{ not json")
    result = autograder(graded["root"], "check", str(broken), check=False)
    assert result.returncode == 2
    assert "is not a readable notebook" in result.stderr
