"""Hidden inputs drawn per submission, through the real pipeline.

Two students hand in the same `forward_difference`, right, and printing every input it
is called with; a third the same with a comment added. Each gets full marks; what each
printed in the hidden test is among the inputs drawn for that submission (its salt: the
assignment, the student, the answer cells), never among another's nor the unsalted
ones, in the first grading and when the same files are graded again.
"""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from .conftest import copy_course, keep_samples

pytestmark = pytest.mark.pipeline

CHAPTER = "01_numerical"
PRINTING = '''
import sys
def forward_difference(f, x, h=1e-6):
    print("INPUT", repr(x).replace("\\n", " "), h)
    sys.stdout.flush()
    return (f(x + h) - f(x)) / h
'''
CHANGED = PRINTING.replace("/ h\n", "/ h  # the same formula\n")
STUDENTS = {"p_one": PRINTING, "p_two": PRINTING, "p_three": CHANGED}


def printed(root, student) -> set[str]:
    """The inputs the hidden test of forward_difference printed (the grader keeps what the
    kernel printed during the cell; a line printed as the cell ends may be left out)."""
    nb = nbformat.read(root / "autograded" / student / CHAPTER / "numerical.ipynb", as_version=4)
    cell = next(c for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_forward_difference_hidden")
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    found = {line.split(" ", 1)[1].rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith("INPUT ")}
    return {x for x in found if not x.startswith("array")}  # floats (arrays print as the kernel sets)


def expected(root, student) -> set[str]:
    """The inputs drawn for the submission: its salt from the assignment, the student and
    the answer cells of the submitted notebook."""
    from autograder.cases import numerical, salt_for, salted

    nb = nbformat.read(root / "submitted" / student / CHAPTER / "numerical.ipynb", as_version=4)
    answers = [c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    with salted(salt_for(f"{CHAPTER}/numerical", student, answers)):
        cases = numerical.derivative_cases(seed=101) + numerical.default_step_cases("forward_difference", seed=1001)
    return {repr(case.args[1]) for case in cases if isinstance(case.args[1], float)}


def test_each_submission_is_graded_on_its_own_inputs_and_again_on_the_same(tmp_path_factory):
    from autograder.cases import numerical

    root = copy_course(tmp_path_factory.mktemp("salted"), built=True)
    keep_samples(root, CHAPTER, set())
    for student, source in STUDENTS.items():
        (root / "samples" / CHAPTER / f"{student}.py").write_text(
            f"# prints its inputs\n# base: solution\n# loses:\n# %% forward_difference\n{source}\n")
    run = [sys.executable, "-m", "autograder", "--root", str(root)]
    subprocess.run(run + ["sample", CHAPTER], check=True, capture_output=True)
    drawn = {s: expected(root, s) for s in STUDENTS}
    fixed = {repr(case.args[1]) for case in numerical.derivative_cases(seed=101)
             + numerical.default_step_cases("forward_difference", seed=1001)}
    for one, two in (("p_one", "p_two"), ("p_one", "p_three"), ("p_two", "p_three")):
        assert not drawn[one] & drawn[two], (one, two)
    shown = {s: set() for s in STUDENTS}
    for grading in ("grade", "grade again"):
        subprocess.run(run + ["grade", CHAPTER, "--no-progress"] + ["--force"] * (grading != "grade"),
                       check=True, capture_output=True, timeout=1500)
        for student in STUDENTS:
            seen = printed(root, student)
            assert seen <= drawn[student], (grading, student, sorted(seen - drawn[student])[:3])
            assert not seen & fixed, (grading, student)
            shown[student] |= seen
    assert all(len(seen) >= 3 for seen in shown.values()), {s: len(v) for s, v in shown.items()}

    from autograder.scores import read_scores

    names, maximum, rows = read_scores(root, CHAPTER)
    for row in rows:
        assert row.scores["forward_difference"] == maximum["forward_difference"], row.student
