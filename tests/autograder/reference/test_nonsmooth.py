"""The reference answers of chapter 07, tested without any notebook.

soft_threshold against its definition as a minimiser (a fine grid, the optimality
condition, Hypothesis); subgradient_abs against the subgradient inequality; the lasso
solvers against the optimality conditions, the convergence bounds of ISTA and FISTA,
and an independent solver (coordinate descent, written here).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adcourse.nonsmooth import lam_max, lasso_objective, lasso_problem, optimality_residual
from adcourse.tolerance import policy
from autograder.reference import nonsmooth as ref

EXACT = policy("exact")
OPTIMAL = policy("optimality")
SAME = policy("iterates")
OBJECTIVE = policy("objective")

value = st.floats(min_value=-10, max_value=10)
weight = st.floats(min_value=0, max_value=5)


def prox_objective(z, x, lam):
    return 0.5 * (z - x) ** 2 + lam * np.abs(z)


@given(x=value, lam=weight)
def test_soft_threshold_satisfies_the_prox_optimality_condition(x, lam):
    z = ref.soft_threshold(x, lam)
    if z != 0:  # 0 = z - x + lam sign(z)
        assert EXACT.close(z - x + lam * np.sign(z), 0.0) and np.sign(z) == np.sign(x)
    else:       # 0 in -x + lam [-1, 1]
        assert abs(x) <= lam


@given(x=value, lam=weight, d=st.floats(min_value=-3, max_value=3))
def test_no_other_point_has_a_smaller_prox_objective(x, lam, d):
    z = ref.soft_threshold(x, lam)
    assert prox_objective(z, x, lam) <= prox_objective(z + d, x, lam) + OBJECTIVE.atol


@pytest.mark.parametrize("x, lam", [(1.3, 0.4), (-0.3, 0.4), (-2.5, 1.0), (0.0, 0.5), (4.0, 0.0)])
def test_soft_threshold_is_the_minimiser_on_a_fine_grid(x, lam):
    zs = np.linspace(-5.0, 5.0, 200001)
    on_grid = zs[np.argmin(prox_objective(zs, x, lam))]
    assert policy("first_order").close(ref.soft_threshold(x, lam), on_grid)


def test_soft_threshold_works_elementwise_on_arrays_of_any_shape():
    x = np.random.default_rng(0).normal(scale=2, size=(2, 3, 4))
    before = x.copy()
    z = ref.soft_threshold(x, 0.7)
    assert z.shape == x.shape and np.array_equal(x, before)
    assert np.array_equal(z, np.vectorize(lambda v: ref.soft_threshold(v, 0.7))(x))
    assert np.array_equal(ref.soft_threshold(np.array([-1.0, 1.0, 0.5]), 1.0), np.zeros(3))


@given(x=st.one_of(value, st.just(0.0)), y=value)
def test_subgradient_abs_satisfies_the_subgradient_inequality(x, y):
    g = float(ref.subgradient_abs(x))
    assert -1.0 <= g <= 1.0
    assert abs(y) >= abs(x) + g * (y - x) - OBJECTIVE.atol


def test_subgradient_abs_is_the_sign_and_keeps_the_shape():
    x = np.array([[-2.0, 0.0, 3.0], [0.0, -1e-300, 1e-300]])
    assert np.array_equal(ref.subgradient_abs(x), np.sign(x))
    assert float(ref.subgradient_abs(-0.0)) == 0.0 and ref.subgradient_abs(np.array([3, -2])).dtype == float


def coordinate_descent(A, b, lam, sweeps=300):
    """Exact minimisation over one coordinate at a time: an independent lasso solver."""
    x, r, norms = np.zeros(A.shape[1]), b.astype(float).copy(), np.sum(A * A, axis=0)
    for _ in range(sweeps):
        for j in range(A.shape[1]):
            r += A[:, j] * x[j]
            rho = A[:, j] @ r
            x[j] = np.sign(rho) * max(abs(rho) - lam, 0.0) / norms[j]
            r -= A[:, j] * x[j]
    return x


PROBLEMS = [(60, 100, 0.1), (100, 40, 0.05), (30, 50, 0.2), (12, 8, 0.1)]


@pytest.mark.parametrize("solver", [ref.ista, ref.fista], ids=lambda f: f.__name__)
@pytest.mark.parametrize("m, n, fraction", PROBLEMS)
def test_proximal_methods_satisfy_the_optimality_conditions(solver, m, n, fraction):
    A, b, _ = lasso_problem(m, n, max(1, min(m, n) // 8), 0.1, seed=m + n)
    lam = fraction * lam_max(A, b)
    A0, b0 = A.copy(), b.copy()
    x, objectives = solver(A, b, lam, steps=500)
    assert np.array_equal(A, A0) and np.array_equal(b, b0)
    assert objectives.shape == (501,) and objectives.dtype == float
    assert OBJECTIVE.close(objectives[0], 0.5 * b @ b)
    assert OBJECTIVE.close(objectives[-1], lasso_objective(A, b, lam, x))
    assert OPTIMAL.close(np.max(optimality_residual(A, b, lam, x)) / lam, 0.0)
    assert SAME.close(x, coordinate_descent(A, b, lam)).all()


@pytest.mark.parametrize("m, n, fraction", PROBLEMS)
def test_ista_with_step_one_over_l_descends(m, n, fraction):
    A, b, _ = lasso_problem(m, n, 3, 0.1, seed=1)
    objectives = ref.ista(A, b, fraction * lam_max(A, b), steps=300)[1]
    assert np.all(np.diff(objectives) <= OBJECTIVE.atol + OBJECTIVE.rtol * objectives[:-1])


def test_ista_and_fista_keep_their_convergence_bounds():
    """With x_0 = 0 and step 1/L: ISTA's gap is at most L ||x*||^2 / (2k), FISTA's at
    most 2 L ||x*||^2 / (k + 1)^2 (Beck and Teboulle, 2009, Theorems 3.1 and 4.4)."""
    A, b, _ = lasso_problem(60, 100, 8, 0.1, seed=3, correlation=0.9)
    lam = 0.05 * lam_max(A, b)
    x_star = coordinate_descent(A, b, lam, sweeps=2000)
    best, L, k = lasso_objective(A, b, lam, x_star), np.linalg.norm(A, 2) ** 2, np.arange(1, 301)
    ista_gap = ref.ista(A, b, lam, steps=300)[1][1:] - best
    fista_gap = ref.fista(A, b, lam, steps=300)[1][1:] - best
    assert np.all(ista_gap <= L * x_star @ x_star / (2 * k))
    assert np.all(fista_gap <= 2 * L * x_star @ x_star / (k + 1) ** 2)
    assert fista_gap[-1] < 1e-3 * ista_gap[-1], "O(1/k^2) against O(1/k) on a badly conditioned problem"


@pytest.mark.parametrize("solver", [ref.ista, ref.fista], ids=lambda f: f.__name__)
def test_lam_at_least_lam_max_gives_exactly_zero(solver):
    A, b, _ = lasso_problem(30, 50, 4, 0.1, seed=2)
    x, objectives = solver(A, b, lam_max(A, b), steps=50)
    assert np.array_equal(x, np.zeros(50)) and np.all(objectives == 0.5 * b @ b)
    assert np.max(optimality_residual(A, b, 0.99 * lam_max(A, b), np.zeros(50))) > 0


def test_an_explicit_step_is_used():
    A, b, _ = lasso_problem(20, 10, 2, 0.1, seed=4)
    lam, s = 0.1 * lam_max(A, b), 0.3 / np.linalg.norm(A, 2) ** 2
    x1 = ref.ista(A, b, lam, steps=1, step=s)[0]
    assert EXACT.close(x1, ref.soft_threshold(s * A.T @ b, s * lam)).all()


def test_subgradient_method_with_lam_zero_is_gradient_descent_with_shrinking_steps():
    A, b, _ = lasso_problem(30, 20, 3, 0.1, seed=5)
    x = np.zeros(20)
    for k in range(50):
        x = x - 1e-3 / np.sqrt(k + 1) * A.T @ (A @ x - b)
    got, objectives = ref.subgradient_method(A, b, 0.0, steps=50, step0=1e-3)
    assert EXACT.close(got, x).all() and objectives.shape == (51,)


def test_subgradient_method_gets_near_the_optimum_but_reaches_no_zero():
    A, b, _ = lasso_problem(60, 100, 8, 0.1, seed=6)
    lam = 0.1 * lam_max(A, b)
    best = lasso_objective(A, b, lam, coordinate_descent(A, b, lam))
    x, objectives = ref.subgradient_method(A, b, lam)
    assert policy("subgradient_gap").close((objectives[-1] - best) / (objectives[0] - best), 0.0)
    assert np.count_nonzero(x) == x.size


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fista_is_the_recursion_the_contract_states(seed):
    """x_0 = y_1 = 0, t_1 = 1, x_k = prox(y_k - s grad f(y_k)), t_(k+1) = (1 + sqrt(1 + 4 t_k^2)) / 2,
    y_(k+1) = x_k + ((t_k - 1) / t_(k+1)) (x_k - x_(k-1)), transcribed with 1-based lists."""
    rng = np.random.default_rng(seed)
    A, b = rng.normal(size=(30, 50)), rng.normal(size=30)
    lam, steps = 0.1 * np.max(np.abs(A.T @ b)), 60
    s = 1 / np.linalg.norm(A, 2) ** 2
    xs, ys, ts = [np.zeros(50)], [None, np.zeros(50)], [None, 1.0]
    for k in range(1, steps + 1):
        y = ys[k]
        xs.append(ref.soft_threshold(y - s * A.T @ (A @ y - b), s * lam))
        ts.append((1 + np.sqrt(1 + 4 * ts[k] ** 2)) / 2)
        ys.append(xs[k] + (ts[k] - 1) / ts[k + 1] * (xs[k] - xs[k - 1]))
    x, objectives = ref.fista(A, b, lam, steps=steps)
    np.testing.assert_allclose(x, xs[-1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(objectives, [0.5 * np.sum((A @ xk - b) ** 2) + lam * np.sum(np.abs(xk)) for xk in xs],
                               rtol=1e-12)
