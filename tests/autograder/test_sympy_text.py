"""Text from the kernel never becomes code in the grader through SymPy.

SymPy's `sympify` (behind `expand`, `Poly` and most of its functions) evaluates a string
as Python. A `diff` that returns an object of its own whose `to_sympy()` is a string
handed that string to the grader's SymPy in chapter 02's visible test; here the string
would set a mark in this process (the grader's, over the loopback bridge).
"""
from __future__ import annotations

import builtins

import nbformat
import pytest

from autograder.sealed import NotData, refuse_sympy_text

from ..conftest import ROOT
from ..loopback import answer_cells, run_test

PAYLOAD = "(__import__('builtins').__setattr__('ADCOURSE_MARK', 1), x)[1]"
ANSWER = f'''
from adcourse.expressions import Var
class Answer:
    def to_sympy(self):
        return {PAYLOAD!r}
    def evaluate(self, **values):
        return 0.0
def diff(expr, var):
    return Answer()
'''


def cell(grade_id: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / "02_symbolic" / "symbolic.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(autouse=True)
def _no_mark():
    yield
    assert not hasattr(builtins, "ADCOURSE_MARK"), "the kernel's text ran in the grader"


def test_table_1_takes_only_an_expression():
    outcome = run_test(cell("test_diff_table1"), answer_cells(ANSWER))
    assert isinstance(outcome.error, AssertionError), outcome
    assert "did not return an expression" in str(outcome.error)


def test_no_test_cell_can_hand_the_kernels_text_to_sympy():
    # The visible test as it was written before: its SymPy gets the kernel's string.
    old = ("import sympy\nfrom adcourse.expressions import Var\nx = Var('x')\n"
           "sympy.expand(diff(x, x).to_sympy())\n")
    outcome = run_test(old, answer_cells(ANSWER))
    assert isinstance(outcome.error, NotData), outcome
    assert "never parses text" in str(outcome.error)


def test_sympy_in_the_grader_parses_no_text():
    import sympy

    refuse_sympy_text()
    with pytest.raises(NotData):
        sympy.expand(PAYLOAD)
    with pytest.raises(NotData):
        sympy.sympify("x + 1")
    x = sympy.Symbol("x")
    assert sympy.expand((x + 1) ** 2) == x ** 2 + 2 * x + 1  # expressions are untouched
