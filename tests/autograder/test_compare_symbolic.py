"""Chapter 02: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake)."""
from __future__ import annotations

import pytest

from adcourse.expressions import Const, Var
from autograder.cases import symbolic as cases
from autograder.checking import CheckFailure, compare
from autograder.hidden import symbolic as hidden
from autograder.reference import symbolic as ref


def test_a_derivative_computed_by_sympy_fails_and_says_so():
    import sympy

    def diff(expr, var):
        sympy.diff(expr.to_sympy(), sympy.Symbol(var.name, real=True))
        return ref.diff(expr, var)  # the right answer, but SymPy ran

    with pytest.raises(CheckFailure, match="computed with sympy"):
        hidden.test_diff_hidden(diff)


def test_a_sympy_expression_is_not_an_answer():
    with pytest.raises(CheckFailure, match="not an expression of adcourse.expressions"):
        compare(lambda e, v: ref.diff(e, v).to_sympy(), "symbolic.diff", cases.diff_cases(seed=7),
                policy="symbolic", harness=cases.derivative_values)


def test_a_derivative_with_a_foreign_variable_fails():
    with pytest.raises(CheckFailure, match="holds the variable"):
        hidden.test_diff_hidden(lambda e, v: ref.diff(e, v) + 0 * Var("w"))


def test_an_unsimplified_correct_derivative_passes_and_a_simplified_one_too():
    assert hidden.test_diff_hidden(lambda e, v: ref.diff(e, v) * 1 + 0) is None
    assert hidden.test_diff_hidden(lambda e, v: ref.simplify(ref.diff(e, v))) is None


def test_simplify_that_grows_the_expression_fails_even_with_the_right_value():
    """`simplified_values`, the harness of the hidden test's random expressions, on its own."""
    with pytest.raises(CheckFailure, match="larger than the expression it was given"):
        compare(lambda e: ref.simplify(e) + Const(0), "symbolic.simplify", cases.simplify_cases(seed=7),
                policy="symbolic", harness=cases.simplified_values)


def test_simplify_that_misses_a_rule_fails_on_the_rule_cases():
    def lazy(e):
        return e

    with pytest.raises(CheckFailure, match="larger than what the rules give"):
        hidden.test_simplify_hidden(lazy)
