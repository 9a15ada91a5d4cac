"""Chapter 03: what its hidden tests fail and what they say, and what the reference computes
(tests/autograder/test_compare_hidden.py runs every hidden test on the reference and on
every listed mistake)."""
from __future__ import annotations

import numpy as np
import pytest

from adcourse.functions import DUAL_JACOBIAN, DUAL_SCALAR, TABLE2
from autograder.checking import CheckFailure
from autograder.hidden import forward as hidden
from autograder.reference import forward as ref
from autograder.reference.numerical import central_difference, numerical_jacobian


def test_a_transposed_jacobian_is_named():
    with pytest.raises(CheckFailure, match="transposed"):
        hidden.test_jacobian_forward_hidden(lambda f, x: ref.jacobian_forward(f, x).T)


@pytest.mark.parametrize("fn", DUAL_SCALAR, ids=lambda f: f.name)
def test_forward_derivatives_agree_with_analytic_and_finite_differences(fn):
    x = np.linspace(*fn.domain, 7)[1:-1]
    assert np.allclose(ref.derivative(fn, x), fn.df(x), rtol=1e-12, atol=1e-12)
    assert np.allclose(ref.derivative(fn, x), central_difference(fn, x), rtol=1e-6, atol=1e-8)
    second = (central_difference(fn, x + 1e-3, 1e-4) - central_difference(fn, x - 1e-3, 1e-4)) / 2e-3
    assert np.allclose(ref.second_derivative(fn, x), second, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn", DUAL_JACOBIAN, ids=lambda f: f.name)
def test_forward_jacobians_agree_with_analytic_and_finite_differences(fn):
    x = np.linspace(*fn.domain, fn.shape[1] + 2)[1:-1]
    assert np.allclose(ref.jacobian_forward(fn, x), fn.df(x), rtol=1e-12, atol=1e-12)
    assert np.allclose(ref.jacobian_forward(fn, x), numerical_jacobian(fn, x), rtol=1e-6, atol=1e-8)


def test_table_2_of_baydin_et_al():
    y, dy = ref.jvp(TABLE2, np.array([2.0, 5.0]), np.array([1.0, 0.0]))
    assert round(float(y[0]), 3) == 11.652 and float(dy[0]) == pytest.approx(5.5, abs=1e-12)


def test_perturbation_confusion_happens_without_tags():
    confused = ref.derivative(lambda x: x * ref.derivative(lambda y: x + y, 1.0), 1.0)
    assert confused == 2.0  # the right answer is 1: what the notebook explains


def test_duals_broadcast_and_take_numbers_on_either_side():
    d = ref.Dual(np.array([[1.0, 2.0, 3.0]]), 1.0) * np.array([[2.0], [3.0]])
    assert d.value.shape == (2, 3) and np.allclose(d.tangent, [[2.0], [3.0]])
    assert (2.0 - ref.Dual(3.0, 1.0)).tangent == -1.0 and (2.0 / ref.Dual(2.0, 1.0)).tangent == -0.5


def test_untagged_nesting_is_named_perturbation_confusion():
    with pytest.raises(CheckFailure, match="perturbation confusion"):
        hidden.test_tagged_derivative_hidden(lambda f, x: ref.derivative(f, x))


def test_a_dual_number_returned_by_the_outermost_call_is_refused():
    def unread(f, x):  # the result of f, not its coefficient
        return f(ref.TaggedDual(x, 1.0, 1))
    with pytest.raises(CheckFailure, match="not a number"):
        hidden.test_tagged_derivative_hidden(unread)


def test_the_older_tag_outside_fails_where_an_inner_point_depends_on_an_outer_variable():
    """The reversed rule, even with the coefficient read from inside every part, is wrong
    once an inner call's seed TaggedDual(x, 1.0, t) has an outer dual number as its x: the
    seed has the newer tag outside, and the reversed rule builds the other nesting."""
    from adcourse.functions import NESTED
    from autograder.cases import forward as cases
    reversed_rule = cases.tagged_derivative(cases.tagged_class(lambda a, b: a.tag < b.tag))
    assert NESTED[0](reversed_rule, 1.0) == 1.0  # no inner point depends on x: right
    assert NESTED[4].name == "d/dx [d/dy (x * y * y + y * x * x) at y = 1.5]"
    assert NESTED[4](reversed_rule, 0.8) == pytest.approx(NESTED[4].df(0.8), rel=1e-14)
    with pytest.raises(CheckFailure, match="the older tag was made the outer dual number"):
        hidden.test_tagged_derivative_hidden(reversed_rule)


def test_the_nested_programs_run_in_a_kernel_by_name():
    from adcourse.functions import CATALOGUE, NESTED, NESTED_PROGRAM, by_name
    assert NESTED_PROGRAM in CATALOGUE and all(program in CATALOGUE for program in NESTED)
    assert all(by_name(program.name) is program for program in NESTED)
    assert NESTED_PROGRAM((ref.derivative_tagged, NESTED[0], 1.0)) == 1.0
