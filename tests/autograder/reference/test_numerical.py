"""The reference answers of chapter 01, tested without any notebook.

Three independent checks, as in autograd's test_util: analytic derivatives from the
catalogue, exact cases (polynomials the formula cannot get wrong), and the error
orders each method promises.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adcourse.functions import GRADIENT, JACOBIAN, SCALAR
from autograder.reference import numerical as ref
from adcourse.tolerance import policy

FD = policy("finite_difference")
EXACT = policy("exact")

coefficient = st.floats(min_value=-10, max_value=10)
point = st.floats(min_value=-3, max_value=3)
scalar_fn = st.sampled_from(SCALAR)


def inside(fn, u):
    """The point u in [0, 1] mapped into fn's domain."""
    lo, hi = fn.domain
    return lo + (hi - lo) * u


unit = st.floats(min_value=0.05, max_value=0.95)


@given(a=coefficient, b=coefficient, x=point, h=st.floats(min_value=1e-3, max_value=1.0))
def test_forward_difference_is_exact_for_linear_functions(a, b, x, h):
    assert FD.close(ref.forward_difference(lambda t: a * t + b, x, h), a)


@given(a=coefficient, b=coefficient, c=coefficient, x=point, h=st.floats(min_value=1e-2, max_value=1.0))
def test_central_difference_is_exact_for_quadratics(a, b, c, x, h):
    assert FD.close(ref.central_difference(lambda t: a * t**2 + b * t + c, x, h), 2 * a * x + b)


@given(c=st.lists(coefficient, min_size=5, max_size=5), x=point, h=st.floats(min_value=0.05, max_value=0.5))
def test_richardson_is_exact_for_quartics(c, x, h):
    f = lambda t: sum(ck * t**k for k, ck in enumerate(c))
    df = sum(k * ck * x ** (k - 1) for k, ck in enumerate(c) if k)
    assert FD.close(ref.richardson(f, x, h), df)


@given(fn=scalar_fn, u=unit)
def test_complex_step_matches_the_analytic_derivative_to_round_off(fn, u):
    x = inside(fn, u)
    assert EXACT.close(ref.complex_step(fn, x), fn.df(x))


@given(fn=scalar_fn, u=unit)
def test_differences_approximate_the_analytic_derivative(fn, u):
    x = inside(fn, u)
    assert FD.close(ref.central_difference(fn, x), fn.df(x))
    assert FD.close(ref.richardson(fn, x), fn.df(x))
    assert policy("first_order").close(ref.forward_difference(fn, x), fn.df(x))


@pytest.mark.parametrize("method", [ref.forward_difference, ref.central_difference,
                                    ref.complex_step, ref.richardson])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 2)])
def test_methods_work_elementwise_on_arrays_without_modifying_them(method, shape):
    x = np.random.default_rng(0).uniform(0.5, 2.0, size=shape)
    before = x.copy()
    got = method(np.sin, x)
    assert np.shape(got) == shape
    assert np.array_equal(x, before)
    tol = policy("first_order") if method is ref.forward_difference else FD
    assert tol.close(got, np.cos(x)).all()


# The error orders: halving h divides the error by 2^p for a method of order p
# (on functions whose leading error term does not vanish: not the cubic, which
# Richardson differentiates exactly).
ORDERS = [(ref.forward_difference, 1), (ref.central_difference, 2),
          (ref.complex_step, 2), (ref.richardson, 4)]


@pytest.mark.parametrize("method, order", ORDERS, ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("fn", [fn for fn in SCALAR if "**3" not in fn.name], ids=repr)
def test_halving_h_divides_the_error_by_two_to_the_order(method, order, fn):
    x, h = 0.7, 0.05
    e1 = abs(method(fn, x, h) - fn.df(x))
    e2 = abs(method(fn, x, h / 2) - fn.df(x))
    assert 0.8 * 2**order < e1 / e2 < 1.25 * 2**order, (e1, e2)


def test_error_curve_is_a_v_with_its_minimum_near_the_theoretical_step():
    hs = np.logspace(-1, -14, 131)
    for method, expected in ((ref.forward_difference, np.finfo(float).eps ** 0.5),
                             (ref.central_difference, np.finfo(float).eps ** (1 / 3))):
        errors = ref.step_errors(np.sin, np.cos, 1.0, hs, method)
        best = hs[np.argmin(errors)]
        assert expected / 30 < best < expected * 30, (method.__name__, best)
        assert errors[0] > 10 * errors.min() and errors[-1] > 10 * errors.min()


@pytest.mark.parametrize("fn", GRADIENT, ids=repr)
@pytest.mark.parametrize("shape", [(), (4,), (3, 2), (2, 3, 2)])
def test_numerical_gradient_matches_analytic_gradient_and_keeps_x(fn, shape):
    x = np.random.default_rng(1).uniform(-1.5, 1.5, size=shape)
    before = x.copy()
    g = ref.numerical_gradient(fn, x)
    assert g.shape == x.shape
    assert FD.close(g, fn.df(x)).all()
    assert np.array_equal(x, before)


@pytest.mark.parametrize("fn", JACOBIAN, ids=repr)
def test_numerical_jacobian_has_one_row_per_output(fn):
    m, n = fn.shape
    x = np.random.default_rng(2).uniform(*fn.domain, size=n)
    J = ref.numerical_jacobian(fn, x)
    assert J.shape == (m, n)
    assert FD.close(J, fn.df(x)).all()


@given(a=st.lists(coefficient, min_size=1, max_size=6), data=st.data())
def test_relative_error_is_symmetric_zero_on_equality_and_a_float(a, data):
    a = np.array(a)
    b = np.array(data.draw(st.lists(coefficient, min_size=a.size, max_size=a.size)))
    assert ref.relative_error(a, b) == ref.relative_error(b, a)
    assert ref.relative_error(a, a) == 0.0
    assert isinstance(ref.relative_error(a, b), float)
    assert 0.0 <= ref.relative_error(a, b) <= 2.0


def test_relative_error_floor_keeps_zero_over_zero_finite():
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert ref.relative_error(1e-9, 2e-9, floor=1e-8) == pytest.approx(0.1)
    assert ref.relative_error(1e-9, 2e-9, floor=0.0) == pytest.approx(0.5)


@pytest.mark.parametrize("fn", GRADIENT, ids=repr)
def test_gradient_check_separates_right_from_wrong_gradients(fn):
    x = np.random.default_rng(3).uniform(-1, 1, size=(3, 2))
    assert ref.gradient_check(fn, fn.df, x) < 1e-7
    assert ref.gradient_check(fn, lambda v: 1.1 * fn.df(v) + 0.1, x) > 1e-2


@pytest.mark.parametrize("fn", JACOBIAN, ids=repr)
def test_directional_difference_is_the_analytic_jacobian_times_v(fn):
    rng = np.random.default_rng(3)
    x, v = rng.uniform(*fn.domain, size=fn.shape[1]), rng.normal(size=fn.shape[1])
    assert FD.close(ref.directional_difference(fn, x, v), fn.df(x) @ v).all()


@given(c=st.lists(coefficient, min_size=6, max_size=6), x=st.lists(point, min_size=2, max_size=2),
       h=st.floats(min_value=1e-3, max_value=0.5))
def test_numerical_hessian_is_exact_for_quadratics(c, x, h):
    """f = c0 x0^2 + c1 x0 x1 + c2 x1^2 + c3 x0 + c4 x1 + c5: the four-point formula is
    exact at any step, up to round-off."""
    f = lambda z: c[0] * z[0] ** 2 + c[1] * z[0] * z[1] + c[2] * z[1] ** 2 + c[3] * z[0] + c[4] * z[1] + c[5]  # noqa: E731
    exact = np.array([[2 * c[0], c[1]], [c[1], 2 * c[2]]])
    H = ref.numerical_hessian(f, np.array(x), h)
    size = sum(map(abs, c)) * (1 + max(map(abs, x))) ** 2  # a bound on |f| near x
    assert np.allclose(H, exact, rtol=0, atol=1e-14 * size / h ** 2)  # round-off eps |f| / h^2 only


@pytest.mark.parametrize("fn", GRADIENT, ids=repr)
def test_numerical_hessian_is_the_jacobian_of_the_analytic_gradient_and_symmetric(fn):
    x = np.random.default_rng(4).uniform(*fn.domain, size=3)
    H = ref.numerical_hessian(fn, x)
    assert np.array_equal(H, H.T)
    assert np.allclose(H, ref.numerical_jacobian(fn.df, x, 1e-5), rtol=1e-6, atol=1e-6)
