"""The hidden tests of chapter 03: what they pass, what they fail, and what they say."""
from __future__ import annotations

import numpy as np
import pytest

from adcourse.functions import DUAL_JACOBIAN, DUAL_SCALAR, TABLE2
from autograder.cases import forward as cases
from autograder.checking import CheckFailure, compare
from autograder.reference import forward as ref
from autograder.reference.numerical import central_difference, numerical_jacobian

RUNS = {
    "Dual": lambda s: compare(s, "forward.Dual", cases.dual_cases(7), harness=cases.dual_program),
    "derivative": lambda s: compare(s, "forward.derivative", cases.derivative_cases(7)),
    "jvp": lambda s: compare(s, "forward.jvp", cases.jvp_cases(7)),
    "jacobian_forward": lambda s: compare(s, "forward.jacobian_forward", cases.jacobian_cases(7)),
    "second_derivative": lambda s: compare(s, "forward.second_derivative", cases.second_derivative_cases(7)),
}
for _name in cases.FUNCTIONS:
    RUNS[_name] = (lambda n: lambda s: compare(s, f"forward.{n}", cases.elementary_cases(n, 7),
                                               harness=cases.on_dual(ref.Dual), name=n))(_name)


@pytest.mark.parametrize("name", RUNS)
def test_the_reference_passes_its_own_hidden_tests(name):
    assert RUNS[name](getattr(ref, name)) is None


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in cases.MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_and_is_named(name, mistake):
    with pytest.raises(CheckFailure) as failure:
        RUNS[name](mistake.fn)
    assert mistake.description in str(failure.value)


def test_a_transposed_jacobian_is_named():
    with pytest.raises(CheckFailure, match="transposed"):
        RUNS["jacobian_forward"](lambda f, x: ref.jacobian_forward(f, x).T)


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
