"""The chapter 02 plot, table, memoised diff and tracer: right, and graceful with
unanswered exercises."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from adcourse import symbolic as explore
from adcourse.expressions import Const, Var, distinct_nodes
from autograder.reference import symbolic as ref

X = Var("x")


def unanswered(*args):
    raise NotImplementedError()


def helper_diff(expr, var):
    """A diff that recurses through a helper, not by its own name: nothing to cache."""
    def d(e):
        if not e.args:
            return Const(1) if e == var else Const(0)
        if e.op == "*":
            return d(e.left) * e.right + e.left * d(e.right)
        if e.op in ("+", "-"):
            return Const(0) + d(e.left) + d(e.right) if e.op == "+" else d(e.left) - d(e.right)
        raise TypeError(e.op)
    return d(expr)


def test_memoised_differentiates_each_distinct_node_once_and_leaves_the_namespace_alone():
    l = ref.logistic_map(5)
    cached = explore.memoised(ref.diff)
    d = cached(l, X)
    assert cached.calls == distinct_nodes(l)
    assert ref.diff is ref.diff.__globals__["diff"]  # the module's name still refers to diff
    points = np.linspace(0.1, 0.9, 5)
    np.testing.assert_allclose(d.evaluate(x=points), ref.diff(l, X).evaluate(x=points))
    with pytest.raises(TypeError, match="defined with def"):
        explore.memoised(len)


def test_sizes_leave_out_what_cannot_be_measured():
    sizes = explore.swell_sizes(ref.logistic_map, helper_diff, ref.simplify, ref.count_nodes, range(1, 5))
    assert len(sizes["derivative"]) == 4
    assert sizes["memoised graph"] == [1]  # only l_1 = x, which has nothing to share
    sizes = explore.swell_sizes(ref.logistic_map, unanswered, unanswered, ref.count_nodes, range(1, 4))
    assert sizes["l_n"] == [1, 7, 19] and sizes["derivative"] == [] and sizes["memoised graph"] == []


def test_plot_has_two_panels_with_references_and_says_what_is_missing():
    fig, axes = plt.subplots(1, 2)
    explore.plot_expression_swell(axes, ref.logistic_map, ref.diff, ref.simplify, ref.count_nodes)
    labels = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in axes]
    assert "derivative (memoised diff)" in labels[1] and "reference: n" in labels[1]
    assert "reference: n 2^n" in labels[0] and all(ax.get_title() for ax in axes)
    assert all(min(line.get_ydata()) >= 1 for ax in axes for line in ax.get_lines())  # none drops off
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    explore.plot_expression_swell(axes, ref.logistic_map, unanswered, unanswered, ref.count_nodes)
    assert any("not implemented yet" in t.get_text() for t in axes[1].texts)
    plt.close(fig)


def test_the_table_has_a_row_per_n_and_the_ratios():
    sizes = explore.swell_sizes(ref.logistic_map, ref.diff, ref.simplify, ref.count_nodes, range(1, 5))
    lines = explore.swell_table(sizes).splitlines()
    assert len(lines) == 2 + 4
    assert lines[-1].split()[:4] == ["4", "43", "217", "2.97"]


def test_trace_follows_the_path_of_the_number():
    def program(t):
        y = t * t
        if y > 1:
            y = y - 1
        return abs(y - 0.5) + 2 / t

    expr, path = explore.trace(program, 2.0)
    assert path == [True, True]  # y > 1; then abs of 3.5: y - 0.5 >= 0
    assert expr.evaluate(x=2.0) == pytest.approx(program(2.0))
    assert ref.diff(expr, X).evaluate(x=2.0) == pytest.approx(2 * 2.0 - 2 / 4.0)
    expr, path = explore.trace(program, 0.5)
    assert path == [False, False] and expr.evaluate(x=0.5) == pytest.approx(program(0.5))
    assert ref.diff(expr, X).evaluate(x=0.5) == pytest.approx(-2 * 0.5 - 2 / 0.25)
    constant, path = explore.trace(lambda t: 3.0, 1.0)
    assert constant == Const(3.0) and path == []
    with pytest.raises(TypeError):
        float(explore.Traced(1.0, X, []))  # a value that left the trace would be a constant


def test_plot_takes_one_axes_too():
    fig, ax = plt.subplots()
    sizes = explore.plot_expression_swell(ax, ref.logistic_map, ref.diff, ref.simplify, ref.count_nodes, range(1, 4))
    assert sizes["derivative"] == [1, 19, 73] and len(ax.get_lines()) >= 6
    plt.close(fig)
