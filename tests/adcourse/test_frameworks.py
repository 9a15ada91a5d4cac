"""Chapter 09's helpers (adcourse.frameworks) and catalogue (adcourse.functions.frameworks):
the NumPy softplus and sigmoid against SymPy, exact lasso solutions against their optimality
conditions, fixed points and the unrolled recursion, the losses' hand gradients against JAX's
and central differences, and the kernel programs' counts."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from adcourse.frameworks import (fixed_point, lasso_exact, naive_softplus, sigmoid, softplus, softplus_derivatives,
                                 unrolled_fixed_point_grad, use_float64)
from adcourse.functions import CATALOGUE, FIXED_POINTS, LOSSES, by_name
from adcourse.functions.frameworks import (FIXED_POINT_PROGRAM, PER_EXAMPLE_PROGRAM, SOFTPLUS_PROGRAM, map_matrix,
                                           params_size)
from adcourse.nonsmooth import lam_max, lasso_objective, lasso_problem, optimality_residual
from autograder.cases.frameworks import GRADIENTS

use_float64()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402


@pytest.mark.parametrize("x", ["-1e308", "-745", "-30", "-1", "0", "2.5", "40", "800", "1e308"])
def test_softplus_and_sigmoid_against_sympy(x):
    at = sp.Float(x, 60)
    assert softplus(float(x)) == pytest.approx(float(sp.log(1 + sp.exp(at)).evalf(50)), rel=1e-15, abs=1e-300)
    assert sigmoid(float(x)) == pytest.approx(float((1 / (1 + sp.exp(-at))).evalf(50)), rel=1e-15, abs=1e-300)


def test_the_naive_softplus_overflows_past_the_log_of_the_largest_float():
    edge = np.log(np.finfo(float).max)
    assert np.isfinite(naive_softplus(edge - 1e-9)) and np.isinf(naive_softplus(edge + 1e-6))


def test_fixed_point_finds_sqrt_by_herons_step_and_says_when_it_cannot():
    T = FIXED_POINTS[1][0]
    np.testing.assert_allclose(fixed_point(T, np.ones(3), np.array([2.0, 9.0, 0.25])), [np.sqrt(2), 3, 0.5],
                               rtol=1e-15)
    with pytest.raises(RuntimeError, match="no fixed point"):
        fixed_point(lambda x, th: x + 1, np.zeros(1), np.zeros(1), steps=50)


def test_the_unrolled_recursion_tends_to_the_implicit_derivative():
    T, dT_dx, dT_dtheta = FIXED_POINTS[0]
    theta, g = np.array([0.3, -0.2, 0.5]), np.array([1.0, 2.0, -1.0])
    x_star = fixed_point(T, np.zeros(3), theta)
    implicit = dT_dtheta(x_star, theta).T @ np.linalg.solve(np.eye(3) - dT_dx(x_star, theta).T, g)
    gaps = [np.max(np.abs(unrolled_fixed_point_grad(T, dT_dx, dT_dtheta, np.zeros(3), theta, g, k) - implicit))
            for k in (1, 5, 20, 60)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-14 < gaps[0]


def test_map_matrix_has_norm_six_tenths():
    for n in (1, 3, 7):
        assert np.linalg.norm(map_matrix(n), 2) == pytest.approx(0.6)


@pytest.mark.parametrize("m, n, k, seed", [(30, 50, 5, 0), (40, 20, 4, 1), (60, 100, 8, 2)])
def test_lasso_exact_is_optimal_with_exact_zeros(m, n, k, seed):
    A, b, _ = lasso_problem(m, n, k, seed=seed)
    lam = 0.25 * lam_max(A, b)
    x, support = lasso_exact(A, b, lam)
    assert np.max(optimality_residual(A, b, lam, x)) < 1e-10
    assert np.count_nonzero(x) == support.size and np.all(x[np.setdiff1d(np.arange(n), support)] == 0.0)
    rng = np.random.default_rng(seed)
    for _ in range(20):  # no nearby point is better: x minimises the objective
        assert lasso_objective(A, b, lam, x) <= lasso_objective(A, b, lam, x + 1e-4 * rng.standard_normal(n))


def test_lasso_exact_refuses_lam_at_or_above_lam_max():
    A, b, _ = lasso_problem(20, 30, 3, seed=4)
    with pytest.raises(ValueError):
        lasso_exact(A, b, 1.01 * lam_max(A, b), steps=500)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.name)
def test_each_loss_hand_gradient_is_jaxs_and_a_central_differences(loss):
    rng = np.random.default_rng(5)
    d = 4
    p, x, y = 0.5 * rng.standard_normal(params_size(loss, d)), rng.standard_normal(d), 1.0
    by_hand = GRADIENTS[loss.name]
    np.testing.assert_allclose(by_hand(p, x, y), jax.grad(loss.f)(p, x, y), rtol=1e-13, atol=1e-15)
    h = 1e-6
    central = [(float(loss(p + h * e, x, y)) - float(loss(p - h * e, x, y))) / (2 * h) for e in np.eye(p.size)]
    np.testing.assert_allclose(by_hand(p, x, y), central, rtol=1e-6, atol=1e-8)
    assert loss.df is None, "the kernel's catalogue holds the losses, not their gradients"


def test_the_programs_are_catalogue_functions_that_cross_by_name():
    for program in (PER_EXAMPLE_PROGRAM, SOFTPLUS_PROGRAM, FIXED_POINT_PROGRAM, *LOSSES,
                    *(fn for triple in FIXED_POINTS for fn in triple)):
        assert any(program is fn for fn in CATALOGUE) and by_name(program.name) is program


def test_the_per_example_program_counts_calls_of_the_loss_and_rows_taken_one_at_a_time():
    def looped(loss, params, X, y):
        return np.stack([jax.grad(loss)(params, x, t) for x, t in zip(X, y)])

    def jitted_loop(loss, params, X, y):
        one = jax.jit(jax.grad(loss))
        return np.stack([one(params, X[i], y[i]) for i in range(len(X))])

    def mapped(loss, params, X, y):
        return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, X, y)

    def mapped_after_jit(loss, params, X, y):
        return jax.vmap(jax.jit(jax.grad(loss)), in_axes=(None, 0, 0))(params, X, y)

    def in_place(loss, params, X, y):
        X *= 2
        return mapped(loss, params, X / 2, y)
    args = (LOSSES[0], np.ones(2), np.ones((9, 2)), np.zeros(9))
    assert PER_EXAMPLE_PROGRAM((looped, *args))[2:4] == (9, 9)
    assert PER_EXAMPLE_PROGRAM((jitted_loop, *args))[2:4] == (1, 9)
    for right in (mapped, mapped_after_jit):
        values, held, calls, rows, changed = PER_EXAMPLE_PROGRAM((right, *args))
        assert (calls, rows, changed, held) == (1, 0, 0, "") and values.shape == (9, 2)
    assert PER_EXAMPLE_PROGRAM((in_place, *args))[4] == 3, "X is argument 3 of per_example_grads(loss, params, X, y)"


def test_the_fixed_point_program_counts_each_function():
    T, dT_dx, dT_dtheta = FIXED_POINTS[1]

    def twice(T_, dx, dth, x, theta, g):
        T_(x, theta), T_(x, theta), dx(x, theta)
        return np.zeros_like(theta)
    _, _, changed, *calls = FIXED_POINT_PROGRAM((twice, T, dT_dx, dT_dtheta, np.ones(2), np.ones(2), np.ones(2)))
    assert calls == [2, 1, 0] and changed == 0

    def flips_g(T_, dx, dth, x, theta, g):
        g *= -1
        return np.zeros_like(theta)
    assert FIXED_POINT_PROGRAM((flips_g, T, dT_dx, dT_dtheta, np.ones(2), np.ones(2), np.ones(2)))[2] == 6


def test_the_softplus_program_finds_the_students_rule_and_no_other():
    @jax.custom_jvp
    def rule(x):
        return jnp.logaddexp(0.0, x)
    rule.defjvp(lambda p, t: (rule(p[0]), jax.nn.sigmoid(p[0]) * t[0]))
    xs = np.array([-3.0, 0.0, 2.0])
    assert SOFTPLUS_PROGRAM((jax.jit(lambda x: rule(x)), xs, xs))[2] is True
    assert SOFTPLUS_PROGRAM((lambda x: rule(x.reshape(-1)).reshape(x.shape), xs, xs))[2] is True
    assert SOFTPLUS_PROGRAM((lambda x: jnp.maximum(x, 0.0) + jnp.log1p(jnp.exp(-jnp.abs(x))), xs, xs))[2] is False
    assert SOFTPLUS_PROGRAM((jax.nn.softplus, xs, xs))[2] is False, "JAX's own rule is not the student's"
    assert SOFTPLUS_PROGRAM((lambda x: jnp.logaddexp(0.0, x), xs, xs))[2] is False

    @jax.custom_jvp
    def python_branch(x):          # Python control flow: no jaxpr, but a custom_jvp with its rule
        return x + jnp.log1p(jnp.exp(-x)) if x > 0 else jnp.log1p(jnp.exp(x))
    python_branch.defjvp(lambda p, t: (python_branch(p[0]), jax.nn.sigmoid(p[0]) * t[0]))
    assert SOFTPLUS_PROGRAM((python_branch, xs, xs))[2] is True
    assert SOFTPLUS_PROGRAM((jax.custom_jvp(lambda x: x), xs, xs))[2] is False, "a custom_jvp with no rule"
    values, slopes, pulled = softplus_derivatives(rule, xs, cotangent=2.0)
    np.testing.assert_allclose(values, softplus(xs), rtol=1e-15)
    np.testing.assert_allclose(slopes, sigmoid(xs), rtol=1e-15)
    np.testing.assert_allclose(pulled, 2 * sigmoid(xs), rtol=1e-15)


def test_the_softplus_program_says_an_unanswered_exercise_is_unanswered():
    def unanswered(x):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        SOFTPLUS_PROGRAM((unanswered, np.zeros(2), np.ones(2)))
