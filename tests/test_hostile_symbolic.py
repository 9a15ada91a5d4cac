"""Small answers that would make the grader work without bound (chapter 02_symbolic).

Two answers of a few lines: a `diff` that returns x + 1 squared 13 times (16 shared
nodes, a tree of 32,767, (x + 1)**8192 once SymPy expands it), and a `simplify` that
returns a chain of 20,000 shared additions (a tree of 2**20,000 nodes). The grader's
work on them is bounded: sizes are measured on the graph before SymPy or printing, a
message is a bounded prefix, and the test fails saying how large the answer is.

Here, with the answers as local functions (the notebook's own test cells, as the grader
runs them). The same answers, written as submissions, go through the
real pipeline in tests/test_hostile_grader.py, in chapter 02's class of attacks on the
grader, with the grader's peak memory measured from outside the grading processes
(`submissions()` below).
"""
from __future__ import annotations

import contextlib
import io
import tracemalloc

import nbformat
import numpy as np
import pytest

from adcourse import expressions as E
from autograder.checking import CheckFailure
from autograder.sealed import trusted_namespace

from .conftest import ROOT

CHAPTER = "02_symbolic"
#: Memory the grader may use on these answers (its peak, traced here; the resident set
#: of the grading processes in the pipeline).
LOCAL_BOUND = 256 * 2**20
GRADER_BOUND = 2**30
#: Longest message a failed test may carry.
MESSAGE_BOUND = 30_000

SWELL = E.Var("x") + 1
for _ in range(13):
    SWELL = SWELL * SWELL


def _chain(n=20_000):
    u = E.Var("x")
    for _ in range(n):
        u = u + u
    return u


CHAIN = _chain()


def swelling_diff(expr, var):
    return SWELL


def chained_simplify(expr):
    return CHAIN


def notebook_cells(kind: str) -> dict[str, str]:
    nb = nbformat.read(ROOT / "solutions" / CHAPTER / "symbolic.ipynb", as_version=4)
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            hidden = "BEGIN HIDDEN TESTS" in cell.source
            if (kind == "hidden") == hidden:
                found[meta["grade_id"]] = cell.source
    return found


def run_cell(source: str, **answers) -> BaseException | None:
    """Run a test cell here as the grader does; its error, or None."""
    namespace = {"__name__": "__test__", **answers, **trusted_namespace()}
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
        try:
            exec(compile(source, "<test>", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 (the test's failure is its result)
            return exc
    return None


def traced(function):
    """(result, peak bytes Python allocated while `function` ran)."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- the measures themselves -----------------------------------------------------------

def test_sizes_are_measured_on_the_graph():
    assert E.distinct_nodes(SWELL) == 16 and E.tree_size(SWELL) == 2**15 - 1
    assert E.tree_size(CHAIN, cap=1000) == 1001
    assert E.expansion_size(SWELL)[0] == 8192
    degree, terms, _ = E.expansion_size((E.Var("x") + 1) ** 3)
    assert (degree, terms) == (3, 4)


def test_printing_writes_a_bounded_prefix_of_the_text():
    x, y = E.variables("x y")
    e = (x * E.sin(y) + 1) / (x - y) ** 2
    full = E.to_infix(e)
    assert full == "(x * sin(y) + 1) / (x - y) ** 2"
    assert E.to_infix(e, limit=10) == full[:10] + "..."
    (text, peak) = traced(lambda: str(CHAIN))
    assert len(text) == 20_003 and text.startswith("x + x + x")
    assert peak < 16 * 2**20, peak


def test_sympy_refuses_what_it_could_not_finish_and_takes_table_1():
    from autograder.reference import symbolic as ref

    x = E.Var("x")
    for n in range(1, 7):
        ref.diff(ref.logistic_map(n), x).to_sympy()
    with pytest.raises(E.ExpressionTooLarge, match=r"32,767 nodes when printed as a tree \(16 distinct"):
        SWELL.to_sympy()
    with pytest.raises(E.ExpressionTooLarge, match="degree 1,024"):
        ((x + 1) ** 1024).to_sympy()
    product = E.Const(1.0)
    for k in range(1, 40):
        product = product * (x + k) * (E.Var("y") + k)
    with pytest.raises(E.ExpressionTooLarge, match="expanding the expression forms"):
        product.to_sympy()


# --- the notebook's tests, with the answers as local functions ----------------------------

def test_the_swelling_diff_fails_table_1_saying_how_large_it_is():
    from autograder.reference import symbolic as ref

    error, peak = traced(lambda: run_cell(notebook_cells("visible")["test_diff_table1"], diff=swelling_diff))
    assert isinstance(error, E.ExpressionTooLarge), error
    assert "32,767 nodes when printed as a tree (16 distinct, shared); expected at most 20,000" in str(error)
    assert peak < LOCAL_BOUND, peak
    assert run_cell(notebook_cells("visible")["test_diff_table1"], diff=ref.diff) is None


def test_the_swelling_diff_fails_its_hidden_test_with_a_bounded_message():
    (error, peak) = traced(lambda: run_cell(notebook_cells("hidden")["test_diff_hidden"], diff=swelling_diff))
    assert isinstance(error, CheckFailure), error
    assert "test cases of `diff` failed" in str(error) and len(str(error)) < MESSAGE_BOUND
    assert peak < LOCAL_BOUND, peak


def test_the_chained_simplify_fails_with_bounded_messages():
    from autograder.reference import symbolic as ref

    for kind, grade_id in (("visible", "test_simplify_visible"), ("hidden", "test_simplify_hidden")):
        (error, peak) = traced(lambda: run_cell(notebook_cells(kind)[grade_id], simplify=chained_simplify))
        assert error is not None, grade_id
        assert len(str(error)) < MESSAGE_BOUND, (grade_id, len(str(error)))
        assert "x + x + x" in str(error)
        assert peak < LOCAL_BOUND, (grade_id, peak)
        assert run_cell(notebook_cells(kind)[grade_id], simplify=ref.simplify) is None
    error = run_cell(notebook_cells("hidden")["test_simplify_hidden"], simplify=chained_simplify)
    assert "distinct nodes: larger than" in str(error)
    deep = E.Var("x")
    for _ in range(40):
        deep = deep * deep
    from autograder.cases import symbolic as cases
    from autograder.checking import Unacceptable

    given = ref.diff(ref.logistic_map(3), cases.X)  # a tree of 73 nodes: 41 distinct ones pass
    with pytest.raises(Unacceptable, match="of more than 1,000,000,000,000 nodes when printed as "
                                           "a tree: larger than the expression it was given, of 73"):
        cases.simplified_values(lambda expr: deep, given)


# --- the same answers, for the pipeline (graded in tests/test_hostile_grader.py) -----------

#: Each answer is hostile to the grader only: called from the notebook's own cells (the
#: plots of expression swell) it behaves, called by a test it returns the large answer.
BY_THE_GRADER = '''
import sys as _sys
def _by_the_grader():
    frame = _sys._getframe(1)
    while frame is not None:
        if "adcourse" in frame.f_code.co_filename and "remote" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False
'''
SWELLING_DIFF = BY_THE_GRADER + '''
def diff(expr, var):
    if _by_the_grader():
        u = Var("x") + 1
        for _ in range(13):
            u = u * u
        return u
    return _honest(expr, var)
'''
#: Through the pipeline a chain of 5,000 (a tree of 2**5,000 nodes, deeper than any
#: recursion limit): as large for the grader's measures, and less for the kernel to send.
CHAINED_SIMPLIFY = BY_THE_GRADER + '''
def simplify(expr):
    if _by_the_grader():
        u = Var("x")
        for _ in range(5_000):
            u = u + u
        return u
    return expr
'''


def submissions() -> dict[str, tuple[str, dict[str, str], str]]:
    """student -> (what it loses, {answer cell: source}, base), as test_hostile_grader takes them."""
    return {"h_swelling_diff": ("diff", {"diff": SWELLING_DIFF + "\n" + _honest_diff_source()}, "solution"),
            "h_chained_simplify": ("simplify", {"simplify": CHAINED_SIMPLIFY}, "solution")}


def _honest_diff_source() -> str:
    nb = nbformat.read(ROOT / "solutions" / CHAPTER / "symbolic.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "diff")
    lines = [line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(lines).replace("diff(", "_honest(")
