"""Chapter 09's references, checked without them: per-example gradients against the
gradients written out by hand and central differences of the loss, the softplus against
SymPy at 50 digits, the solve's VJP by central differences of every entry and the adjoint
identity, the fixed point's derivative by central differences of x*(theta) and by the
unrolled recursion, and the lasso Jacobian by central differences of exact solutions."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from adcourse.frameworks import fixed_point, lasso_exact, unrolled_fixed_point_grad
from adcourse.functions import FIXED_POINTS, LOSSES
from adcourse.functions.frameworks import params_size
from adcourse.nonsmooth import lam_max, lasso_problem
from autograder.cases.frameworks import GRADIENTS
from autograder.reference import frameworks as ref

H = 1e-6


def _central(f, x, h=H):
    """Central differences of the scalar or array f at the array x, one column per entry of x."""
    x = np.asarray(x, dtype=float)
    columns = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        columns.append((np.asarray(f(x + e.reshape(x.shape))) - np.asarray(f(x - e.reshape(x.shape)))) / (2 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.name)
def test_per_example_grads_are_each_rows_gradient(loss):
    rng = np.random.default_rng(1)
    d, rows = 3, 7
    p = 0.5 * rng.standard_normal(params_size(loss, d))
    X, y = rng.standard_normal((rows, d)), rng.choice([-1.0, 1.0], rows)
    got = ref.per_example_grads(loss, p, X, y)
    assert got.shape == (rows, p.size) and got.dtype == np.float64
    by_hand = np.stack([GRADIENTS[loss.name](p, x, t) for x, t in zip(X, y)])
    np.testing.assert_allclose(got, by_hand, rtol=1e-12, atol=1e-14)
    for i in (0, rows - 1):
        central = _central(lambda q: float(loss(q, X[i], y[i])), p)
        np.testing.assert_allclose(got[i], central, rtol=1e-6, atol=1e-8)


def test_per_example_grads_trace_the_loss_once():
    calls = []

    def loss(p, x, t):
        calls.append(1)
        return LOSSES[0](p, x, t)
    ref.per_example_grads(loss, np.ones(2), np.ones((50, 2)), np.zeros(50))
    assert len(calls) == 1


POINTS = ["-1.7e308", "-1e4", "-745", "-40", "-1", "-1e-300", "0", "1e-8", "0.3", "3", "36", "709", "710", "1e4",
          "1.7e308"]


@pytest.mark.parametrize("x", POINTS)
def test_stable_softplus_and_its_rule_against_sympy(x):
    import jax

    t = sp.Symbol("t")
    exact = sp.log(1 + sp.exp(t))
    value = float(exact.subs(t, sp.Float(x, 60)).evalf(50))
    slope = float(sp.diff(exact, t).subs(t, sp.Float(x, 60)).evalf(50))
    got_value, got_slope = float(ref.stable_softplus(float(x))), float(jax.grad(ref.stable_softplus)(float(x)))
    assert np.isfinite(got_value) and np.isfinite(got_slope)
    np.testing.assert_allclose([got_value, got_slope], [value, slope], rtol=1e-14, atol=1e-300)


def test_stable_softplus_second_derivative_is_the_sigmoids():
    import jax

    t = sp.Symbol("t")
    second = sp.diff(sp.log(1 + sp.exp(t)), t, 2)
    for x in (-20.0, -1.0, 0.0, 0.5, 7.0):
        assert float(jax.grad(jax.grad(ref.stable_softplus))(x)) == pytest.approx(float(second.subs(t, x)), rel=1e-12)


def _system(seed, n):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n), rng.standard_normal(n), rng.standard_normal(n)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_solve_vjp_against_central_differences_of_every_entry(n):
    A, b, g = _system(n, n)
    dA, db = ref.solve_vjp(A, b, g)
    L = lambda A_, b_: g @ np.linalg.solve(A_, b_)
    np.testing.assert_allclose(db, _central(lambda b_: L(A, b_), b), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dA, _central(lambda A_: L(A_, b), A).reshape(n, n), rtol=1e-7, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(0, 10**6))
def test_solve_vjp_satisfies_the_adjoint_identity(n, seed):
    """<g, dx> = <dL/dA, dA> + <dL/db, db> for dx = A^-1 (db - dA x), any directions."""
    A, b, g = _system(seed, n)
    rng = np.random.default_rng(seed + 1)
    dA_dir, db_dir = rng.standard_normal((n, n)), rng.standard_normal(n)
    x = np.linalg.solve(A, b)
    dx = np.linalg.solve(A, db_dir - dA_dir @ x)
    dA, db = ref.solve_vjp(A, b, g)
    assert g @ dx == pytest.approx(np.sum(dA * dA_dir) + db @ db_dir, rel=1e-10, abs=1e-12)


def _fixed_point_case(triple, n, seed):
    T, dT_dx, dT_dtheta = triple
    rng = np.random.default_rng(seed)
    if "theta / x" in T.name or "x^3" in T.name:
        theta = rng.uniform(0.5, 4.0, n)
    elif "B theta" in T.name:
        theta = rng.standard_normal(2)
    else:
        theta = rng.standard_normal(n)
    if repels(T):
        return theta, np.cbrt(theta), rng.standard_normal(n)
    return theta, fixed_point(T, np.ones(n), theta), rng.standard_normal(n)


def repels(T):
    """The map whose fixed point repels: iterating it runs away, x* = cbrt(theta)."""
    return "x^3" in T.name


def _solution(T, theta, start):
    """x* of T(x, theta) = x: by iterating where T contracts, by Newton's method on x - T(x)
    where it repels (so that central differences of x*(theta) need no iteration of T)."""
    if not repels(T):
        return fixed_point(T, start, theta)
    x = np.array(start, dtype=float)
    for _ in range(60):
        x = x - np.linalg.solve(np.eye(x.size) - FIXED_POINTS[3][1](x, theta), x - T(x, theta))
    return x


@pytest.mark.parametrize("triple", FIXED_POINTS, ids=lambda t: t[0].name)
@pytest.mark.parametrize("n", [1, 4])
def test_fixed_point_grad_against_differences_of_the_fixed_point_and_unrolling(triple, n):
    T, dT_dx, dT_dtheta = triple
    theta, x_star, g = _fixed_point_case(triple, n, 3 * n)
    got = ref.fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g)
    assert got.shape == theta.shape
    central = _central(lambda th: g @ _solution(T, th, x_star), theta)
    np.testing.assert_allclose(got, central, rtol=1e-6, atol=1e-8)
    if repels(T):
        # the implicit derivative of cbrt, and an unrolled one that runs away from it
        np.testing.assert_allclose(got, g / (3 * np.cbrt(theta) ** 2), rtol=1e-12)
        with np.errstate(over="ignore", invalid="ignore"):
            unrolled = unrolled_fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g, 60)
        assert not np.all(np.abs(unrolled - got) < 1.0)
    else:
        unrolled = unrolled_fixed_point_grad(T, dT_dx, dT_dtheta, np.ones(n), theta, g, 400)
        np.testing.assert_allclose(got, unrolled, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("triple", FIXED_POINTS, ids=lambda t: t[0].name)
def test_the_maps_jacobians_are_their_derivatives(triple):
    T, dT_dx, dT_dtheta = triple
    theta, x_star, _ = _fixed_point_case(triple, 3, 11)
    x = x_star + 0.05
    np.testing.assert_allclose(dT_dx(x, theta), _central(lambda z: T(z, theta), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.asarray(dT_dtheta(x, theta)).reshape(3, theta.size),
                               _central(lambda th: T(x, th), theta), rtol=1e-6, atol=1e-8)
    radius = np.max(np.abs(np.linalg.eigvals(dT_dx(x_star, theta))))
    assert (radius > 1) if repels(T) else (radius < 1), "the map repels or contracts at its fixed point, as named"


@pytest.mark.parametrize("m, n, k, seed", [(30, 50, 5, 1), (40, 20, 4, 2), (15, 10, 3, 3)])
def test_lasso_solution_jacobian_against_central_differences_of_exact_solutions(m, n, k, seed):
    A, b, _ = lasso_problem(m, n, k, seed=seed)
    lam = 0.3 * lam_max(A, b)
    x, support = lasso_exact(A, b, lam)
    J = ref.lasso_solution_jacobian(A, b, lam, x)
    assert J.shape == (n, m)
    central = _central(lambda b_: lasso_exact(A, b_, lam)[0], b)
    np.testing.assert_allclose(J, central, rtol=1e-6, atol=1e-7)
    off = np.setdiff1d(np.arange(n), support)
    assert np.all(J[off] == 0)


def test_the_references_softplus_rows_are_the_closed_forms_the_hidden_test_compares_with():
    """The hidden test compares answers with the contract's closed forms, not with a trace
    of the reference: here the reference's own rows (value, grad, vjp, chain rule, vmap,
    jit) at the hidden inputs are those closed forms."""
    from adcourse.functions import SOFTPLUS_PROGRAM
    from adcourse.tolerance import policy
    from autograder.cases import frameworks as cases

    (case,) = cases.softplus_cases(seed=902)
    xs, ts = case.args
    rows, errors, custom = SOFTPLUS_PROGRAM((ref.stable_softplus, xs, ts))
    assert custom and errors == []
    assert policy("relative").close(np.asarray(rows), cases._expected_rows(xs, ts)).all()
