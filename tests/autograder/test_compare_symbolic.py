"""The hidden tests of chapter 02: what they pass, what they fail, and what they say."""
from __future__ import annotations

import pytest

from adcourse.expressions import Const, Var
from autograder.cases import symbolic as cases
from autograder.checking import CheckFailure, compare
from autograder.reference import symbolic as ref

# Every hidden test of the chapter, as the notebook has it: (cases, harness, policy).
EXERCISES = {
    "diff": (lambda: cases.diff_cases(seed=7), cases.derivative_values, "symbolic"),
    "simplify": (cases.simplify_rule_cases, cases.simplified_by_rules, "symbolic"),
    "simplify_random": (lambda: cases.simplify_cases(seed=7), cases.simplified_values, "symbolic"),
    "count_nodes": (lambda: cases.count_nodes_cases(seed=7), None, "exact"),
    "logistic_map": (cases.logistic_map_cases, cases.map_values, "symbolic"),
    "compile_expr": (lambda: cases.compile_cases(seed=7), cases.compiled_values, "symbolic"),
}


def run(student, name):
    make, harness, pol = EXERCISES[name]
    exercise = name.replace("_random", "")
    return compare(student, f"symbolic.{exercise}", make(), policy=pol, harness=harness,
                   forbid=cases.FORBIDDEN)


@pytest.mark.parametrize("name", EXERCISES)
def test_the_reference_passes_its_own_hidden_tests(name):
    exercise = name.replace("_random", "")
    assert run(getattr(ref, exercise), name) is None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in cases.MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_and_is_named(name, mistake):
    with pytest.raises(CheckFailure) as failure:
        run(mistake.fn, name)
    assert mistake.description in str(failure.value)


def test_a_derivative_computed_by_sympy_fails_and_says_so():
    import sympy

    def diff(expr, var):
        sympy.diff(expr.to_sympy(), sympy.Symbol(var.name, real=True))
        return ref.diff(expr, var)  # the right answer, but SymPy ran

    with pytest.raises(CheckFailure, match="computed with sympy"):
        run(diff, "diff")


def test_a_sympy_expression_is_not_an_answer():
    with pytest.raises(CheckFailure, match="not an expression of adcourse.expressions"):
        compare(lambda e, v: ref.diff(e, v).to_sympy(), "symbolic.diff", cases.diff_cases(seed=7),
                policy="symbolic", harness=cases.derivative_values)


def test_a_derivative_with_a_foreign_variable_fails():
    with pytest.raises(CheckFailure, match="holds the variable"):
        run(lambda e, v: ref.diff(e, v) + 0 * Var("w"), "diff")


def test_an_unsimplified_correct_derivative_passes_and_a_simplified_one_too():
    assert run(lambda e, v: ref.diff(e, v) * 1 + 0, "diff") is None
    assert run(lambda e, v: ref.simplify(ref.diff(e, v)), "diff") is None


def test_simplify_that_grows_the_expression_fails_even_with_the_right_value():
    with pytest.raises(CheckFailure, match="larger than the expression it was given"):
        run(lambda e: ref.simplify(e) + Const(0), "simplify_random")


def test_simplify_that_misses_a_rule_fails_on_the_rule_cases():
    def lazy(e):
        return e

    with pytest.raises(CheckFailure, match="larger than what the rules give"):
        run(lazy, "simplify")
