"""The reference answers of chapter 02, tested without any notebook, with SymPy as the oracle."""
from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from adcourse.expressions import Const, Var, evaluate, free_variables, to_infix, tree_size
from adcourse.tolerance import policy
from autograder.cases.symbolic import OPERATIONS, points_for, random_expression
from autograder.reference import symbolic as ref

SYMBOLIC = policy("symbolic")
X, Y = Var("x"), Var("y")

expressions = st.builds(
    lambda seed, depth, root: random_expression(np.random.default_rng(seed), depth, ("x", "y"), root=root),
    st.integers(0, 2**32 - 1), st.integers(1, 4), st.sampled_from(OPERATIONS))


def sympy_derivative_values(expr, var):
    env = points_for(expr, var)
    symbols = [sympy.Symbol(n, real=True) for n in env]
    exact = sympy.diff(expr.to_sympy(), sympy.Symbol(var.name, real=True))
    return np.broadcast_to(sympy.lambdify(symbols, exact, "numpy")(*env.values()), (5,)), env


@given(expr=expressions, wrt=st.sampled_from([X, Y]))
def test_diff_agrees_with_sympy_at_points_of_the_domain(expr, wrt):
    expected, env = sympy_derivative_values(expr, wrt)
    with np.errstate(all="ignore"):
        got = evaluate(ref.diff(expr, wrt), env)
    finite = np.isfinite(expected) & (np.abs(expected) < 1e8)
    assert SYMBOLIC.close(np.broadcast_to(got, (5,))[finite], expected[finite]).all(), expr


@given(expr=expressions)
def test_simplify_keeps_the_value_and_never_grows(expr):
    env = points_for(expr)
    simple = ref.simplify(expr)
    assert tree_size(simple) <= tree_size(expr)
    assert free_variables(simple) <= free_variables(expr)
    with np.errstate(all="ignore"):
        before, after = np.broadcast_to(evaluate(expr, env), (5,)), np.broadcast_to(evaluate(simple, env), (5,))
    finite = np.isfinite(before) & (np.abs(before) < 1e8)
    assert SYMBOLIC.close(after[finite], before[finite]).all(), (expr, simple)


def test_simplify_reaches_each_rule():
    zero, one = Const(0), Const(1)
    for expr, expected in [(X + zero, X), (zero + X, X), (X - zero, X), (X * one, X), (one * X, X),
                           (X / one, X), (X ** one, X), (X * zero, zero), (zero * X, zero),
                           (X - X, zero), (X ** zero, one), (-(-X), X), (Const(2) * 3 - 1, Const(5))]:
        assert ref.simplify(expr) == expected, expr
    assert ref.simplify(1 / Const(0)) == 1 / Const(0)


@given(expr=expressions)
def test_count_nodes_counts_the_tree(expr):
    assert ref.count_nodes(expr) == tree_size(expr)
    shared = expr * expr
    assert ref.count_nodes(shared) == 2 * tree_size(expr) + 1


def test_logistic_map_and_its_derivative_are_table_1_of_baydin_et_al():
    x = sympy.Symbol("x", real=True)
    maps = {1: x, 2: 4 * x * (1 - x), 3: 16 * x * (1 - x) * (1 - 2 * x) ** 2,
            4: 64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x ** 2) ** 2}
    derivatives = {1: 1, 2: 4 - 8 * x, 3: 16 * (1 - 10 * x + 24 * x ** 2 - 16 * x ** 3),
                   4: 64 * (1 - 42 * x + 504 * x ** 2 - 2640 * x ** 3 + 7040 * x ** 4
                            - 9984 * x ** 5 + 7168 * x ** 6 - 2048 * x ** 7)}
    for n in range(1, 5):
        l = ref.logistic_map(n)
        assert sympy.expand(l.to_sympy() - maps[n]) == 0
        assert sympy.expand(ref.diff(l, X).to_sympy() - derivatives[n]) == 0
        assert sympy.expand(ref.simplify(ref.diff(l, X)).to_sympy() - derivatives[n]) == 0


def test_expression_swell_is_exponential_and_forward_mode_linear():
    from adcourse.symbolic import swell_sizes

    sizes = swell_sizes(ref.logistic_map, ref.diff, ref.simplify, ref.count_nodes)
    assert sizes["derivative"][:4] == [1, 19, 73, 217]
    ratios = np.array(sizes["derivative"][3:]) / np.array(sizes["derivative"][2:-1])
    assert (ratios > 2).all(), sizes
    assert all(s < d for s, d in zip(sizes["simplified"][1:], sizes["derivative"][1:]))
    assert np.all(np.diff(sizes["forward"]) == 3), "three operations per step of the map"


def test_logistic_map_refuses_n_below_one():
    with pytest.raises(ValueError, match="starts at n = 1"):
        ref.logistic_map(0)


@given(expr=expressions)
def test_compile_expr_evaluates_like_the_tree(expr):
    env = points_for(expr, Y)
    order = [Y, X]
    f = ref.compile_expr(expr, order)
    with np.errstate(all="ignore"):
        got = np.broadcast_to(f(env["y"], env["x"]), (5,))
        expected = np.broadcast_to(evaluate(expr, env), (5,))
        scalars = [f(float(y), float(x)) for y, x in zip(env["y"], env["x"])]
    np.testing.assert_array_equal(got, expected)  # exactly, nan where evaluate gives nan
    np.testing.assert_array_equal(np.array(scalars, dtype=float), expected)


#: Where Python's precedence or its float operators differ from the tree's meaning.
PRECEDENCE = [Const(-2) ** 2 * X, (-X) ** 2, Const(-0.5) ** X, X - (Y - X), X / (Y * X), X ** (Y ** 2),
              (X ** Y) ** 2, -(X ** 2), Const(2) ** -X, X / (X - X), Const(-8) ** (Const(1) / 3), X * -Y,
              -Const(3) ** 2, Const(1e308) * X * 10]


@pytest.mark.parametrize("expr", PRECEDENCE, ids=[to_infix(e) for e in PRECEDENCE])
@pytest.mark.parametrize("point", [(1.5, 0.5), (-1.25, 2.0), (0.0, -3.0)])
def test_compile_expr_keeps_the_tree_s_order_of_operations_and_numpy_s_arithmetic(expr, point):
    x, y = point
    with np.errstate(all="ignore"):
        expected = evaluate(expr, {"x": x, "y": y})
        got = ref.compile_expr(expr, [X, Y])(x, y)
    np.testing.assert_array_equal(np.float64(got), expected)
    assert sympy_value(expr, x, y, expected)


def sympy_value(expr, x, y, value) -> bool:
    """The value SymPy computes for the tree, where it is a real number, equals `value`."""
    exact = complex(expr.to_sympy().subs({sympy.Symbol("x", real=True): x, sympy.Symbol("y", real=True): y}).evalf())
    if not np.isfinite(value) or abs(exact.imag) > 1e-12 or not np.isfinite(exact.real):
        return True  # outside the reals or finite floats: evaluate's nan and inf are the contract
    return bool(np.isclose(exact.real, value, rtol=1e-12))
