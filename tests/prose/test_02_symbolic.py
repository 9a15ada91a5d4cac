"""The numbers and claims that chapter 02's prose states, computed as its cells compute them.

Each test computes a figure with the chapter's own code (adcourse.symbolic, the expression
classes and the reference answers) and asserts that the markdown of the instructor
notebook states it, in the cell that discusses it (the model answer of `written_swell`
included: it may state only what the plot and the table show).
"""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from adcourse import symbolic as explore
from adcourse.expressions import Var, distinct_nodes, sin, tree_size
from autograder.reference import symbolic as ref

from .notebooks import flat as _flat, notebook

NOTEBOOK = notebook("02_symbolic")
X = Var("x")
NS = range(1, 9)


def cell(marker: str) -> str:
    """The one markdown cell that contains `marker`."""
    found = [_flat(c.source) for c in NOTEBOOK.cells if c.cell_type == "markdown" and _flat(marker) in _flat(c.source)]
    assert len(found) == 1, f"{len(found)} markdown cells contain {marker!r}"
    return found[0]


def answer() -> str:
    (found,) = [_flat(c.source) for c in NOTEBOOK.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "written_swell"]
    return found


def says(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert _flat(phrase) in text, f"{text[:60]!r}... does not state {phrase!r}"


@pytest.fixture(scope="module")
def sizes():
    return explore.swell_sizes(ref.logistic_map, ref.diff, ref.simplify, ref.count_nodes, NS)


FIGURES = "What the figures show"


def test_trees_and_graphs_of_the_logistic_map(sizes):
    assert sizes["l_n"] == [3 * 2**n - 5 for n in NS]
    assert sizes["l_n graph"] == [5 * n - 4 for n in NS]
    assert sizes["forward"] == [3 * (n - 1) for n in NS]
    says(cell("### Trees and graphs"), "$l_n$ has $5n - 4$ distinct nodes", r"$3 \cdot 2^n - 5$ nodes, 763 at $n = 8$",
         "$3(n - 1)$ arithmetic operations on pairs")
    assert sizes["l_n"][-1] == 763 and sizes["l_n graph"][-1] == 36
    says(cell(FIGURES), "763 nodes at $n = 8$ for 36 distinct ones")


def test_the_ratios_of_the_derivative_tree_fall_towards_two(sizes):
    d, s = np.array(sizes["derivative"]), np.array(sizes["simplified"])
    ratios = [f"{r:.2f}" for r in d[3:] / d[2:-1]]  # n = 4, ..., 8
    simplified = [f"{r:.2f}" for r in s[3:] / s[2:-1]]
    assert ratios == ["2.97", "2.66", "2.50", "2.40", "2.33"]
    says(cell(FIGURES), "factors of " + ", ".join(ratios[:-1]) + " and " + ratios[-1] + " at $n = 4, \\dots, 8$")
    says(answer(), "2.97, 2.66, 2.50, 2.40 and 2.33 per step", "(" + ", ".join(simplified) + ")")
    assert all(a > b for a, b in zip(d[2:] / d[1:-1], d[3:] / d[2:-1])) and d[-1] / d[-2] > 2


def test_the_size_of_the_derivative_tree(sizes):
    size = sizes["derivative"]
    assert size == [9 * (n - 1) * 2 ** (n - 1) + 1 for n in NS]
    assert all(size[n] == 2 * size[n - 1] + 3 * sizes["l_n"][n - 1] + 14 for n in range(1, len(size)))
    for n in range(3, 8):  # the factor from n to n + 1
        assert size[n] / size[n - 1] == pytest.approx(2 * n / (n - 1), rel=0.01)
    says(cell(FIGURES), r"$D_{n+1} = 2 D_n + 3 T_n + 14$", r"$D_n = 9(n-1)\,2^{n-1} + 1$", "about $2n/(n-1)$")
    says(cell("## Summary"), r"has $9(n-1)\,2^{n-1} + 1$ nodes")


def test_simplification_removes_a_third(sizes):
    simplified, size = sizes["simplified"], sizes["derivative"]
    assert simplified[1:] == [6 * (n - 1) * 2 ** (n - 1) - 1 for n in NS[1:]]
    assert (simplified[-1], size[-1]) == (5375, 8065)
    assert 1 - simplified[-1] / size[-1] == pytest.approx(1 / 3, abs=0.01)
    says(cell(FIGURES), r"($6(n-1)\,2^{n-1} - 1$ nodes for $n \ge 2$: 5375 against 8065 at $n = 8$)")
    says(answer(), "about 1.5 (8065 against 5375 nodes at $n = 8$)", "763 nodes at $n = 8$")
    says(cell("## Summary"), "removes a third of them")


def test_the_graphs_with_and_without_a_cache(sizes):
    assert sizes["derivative graph"][-1] == 1306
    graph = np.array(sizes["derivative graph"])
    assert (graph[3:] / graph[2:-1] > 1.9).all()  # exponential
    assert sizes["memoised graph"] == [14 * n - 13 for n in NS]
    assert sizes["memoised tree"] == sizes["derivative"]
    says(cell(FIGURES), "(1306 distinct nodes at $n = 8$)", "$14n - 13$ distinct nodes (99 at $n = 8$)",
         "like $l_n$'s graph ($5n - 4$)", "Its tree is the same 8065 nodes")
    says(answer(), "$14n - 13$ nodes (99 at $n = 8$)", "$5n - 4$ nodes of $l_n$'s graph")


def test_the_memoised_derivative_is_the_same_derivative():
    l = ref.logistic_map(6)
    points = np.linspace(0.05, 0.95, 7)
    cached = explore.memoised(ref.diff)
    np.testing.assert_allclose(cached(l, X).evaluate(x=points), ref.diff(l, X).evaluate(x=points), rtol=1e-12)
    assert cached.calls == distinct_nodes(l)  # each distinct node differentiated once


def test_a_tree_counts_copies():
    u = sin(X)
    assert ref.count_nodes(u * u) == 5 == tree_size(u * u) and distinct_nodes(u * u) == 3
    says(cell("## 4. How big is an expression?"), "has 5 nodes")


def test_newton_sqrt_fails_on_an_expression_and_its_traced_paths_have_the_right_derivative():
    (source,) = [c.source for c in NOTEBOOK.cells if c.cell_type == "code" and "def newton_sqrt" in c.source]
    namespace = {"np": np, "explore": explore, "Var": Var, "diff": ref.diff}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(source, namespace)  # the cell, with the reference diff
    printed = printed.getvalue()
    assert "newton_sqrt(Var('a')) fails: '>' not supported" in printed
    steps = {}
    for a in (2.0, 50.0):
        path, tests = explore.trace(namespace["newton_sqrt"], a, "a")
        steps[a] = tests.count(True)
        assert tests == [True] * steps[a] + [False]
        assert f"{steps[a]} Newton steps" in printed
        slope = ref.diff(path, Var("a")).evaluate(a=a)
        assert slope == pytest.approx(0.5 / np.sqrt(a), rel=1e-13)
        assert path.evaluate(a=a) == pytest.approx(np.sqrt(a), rel=1e-15)
    assert steps == {2.0: 4, 50.0: 6}
    says(cell("The loop runs"), "4 steps at $a = 2$ and 6 at $a = 50$", "to about 14 significant digits")


#: The last column of Table 1 of Baydin et al. (2018), as the paper prints it.
TABLE1 = {1: "1", 2: "4 - 8x", 3: "16(1 - 10x + 24x^2 - 16x^3)",
          4: "64(1 - 42x + 504x^2 - 2640x^3 + 7040x^4 - 9984x^5 + 7168x^6 - 2048x^7)"}


def test_table1_is_printed_in_the_tables_own_form():
    """The cell that prints Table 1 again writes the derivatives as the paper does."""
    x = Var("x")
    for n, printed in TABLE1.items():
        assert explore.in_table1_form(ref.diff(ref.logistic_map(n), x)) == printed, n
    source = next(c.source for c in NOTEBOOK.cells if c.cell_type == "code" and "in_table1_form" in c.source)
    assert "as Table 1 writes it" in source and "range(1, 5)" in source
    text = "\n".join(_flat(c.source) for c in NOTEBOOK.cells if c.cell_type == "markdown")
    assert "written in rising powers as the table writes it" in text
