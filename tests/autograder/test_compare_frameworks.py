"""Chapter 09: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake). Each bound of the contract
is shown to fail an answer that breaks only that bound: the loss traced once a row, no custom
rule, a derivative that is not finite at one float, JAX in an implicit derivative, the map's
Jacobians called at every iterate, shapes other than the contract's."""
from __future__ import annotations

import numpy as np
import pytest

from adcourse.frameworks import use_float64
from autograder.cases import salted
from autograder.reference import frameworks as ref

from . import hidden_calls

use_float64()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

CHAPTER = "09_frameworks"
NAMES = ["per_example_grads", "stable_softplus", "solve_vjp", "fixed_point_grad", "lasso_solution_jacobian"]


def sample(student: str) -> dict:
    """The names a sample's answers define, run on the notebook's imports, the reference
    standing in for the answers it leaves as they are."""
    return hidden_calls.sample(CHAPTER, student,
                               {"np": np, "jax": jax, "jnp": jnp, **{name: getattr(ref, name) for name in NAMES}})


def run(name: str, answers: dict) -> None:
    return hidden_calls.run(CHAPTER, f"test_{name}_hidden", answers)


def failure(name: str, answer) -> str:
    return hidden_calls.failure(CHAPTER, name, answer)


@pytest.mark.parametrize("salt", [None, "another student"])
@pytest.mark.parametrize("student", ["kai_alternative", "lia_alternative", "ivy_jax_arrays"])
@pytest.mark.parametrize("name", NAMES)
def test_right_answers_written_differently_pass(name, student, salt):
    """On the hidden tests' inputs, and on those another student is given."""
    with salted(salt):
        assert run(name, sample(student)) is None


def test_a_loop_over_the_rows_fails_by_its_calls_of_the_loss():
    def loop(loss, params, X, y):
        return np.stack([jax.grad(loss)(params, x, t) for x, t in zip(X, y)])
    message = failure("per_example_grads", loop)
    assert "called the loss 12 times for 12 rows: a Python loop over the rows" in message


def test_a_jitted_loop_over_the_rows_fails_by_the_rows_it_takes():
    def jitted_loop(loss, params, X, y):
        one = jax.jit(jax.grad(loss))
        return np.stack([one(params, x, t) for x, t in zip(X, y)])
    assert "took 12 rows out of X or y one at a time for 12 rows: a Python loop over the rows (jitted or not)" in \
        failure("per_example_grads", jitted_loop)


def test_per_example_gradients_that_change_x_in_place_say_so():
    def doubles(loss, params, X, y):
        X *= 1.0 + 1e-3
        return ref.per_example_grads(loss, params, X / (1.0 + 1e-3), y)
    assert "modified its argument 3 in place" in failure("per_example_grads", doubles)


def test_per_example_gradients_of_the_wrong_shape_say_the_shape():
    def transposed(loss, params, X, y):
        return ref.per_example_grads(loss, params, X, y).T
    assert "the gradients of 12 rows, each of params' shape (2,), stacked, have shape (12, 2)" in \
        failure("per_example_grads", transposed)


def test_a_stable_formula_without_a_rule_fails_for_want_of_one():
    def no_rule(x):
        return jnp.maximum(x, 0.0) + jnp.log1p(jnp.exp(-jnp.abs(x)))
    assert "holds no custom derivative rule" in failure("stable_softplus", no_rule)


def test_a_derivative_not_finite_at_one_float_says_where():
    @jax.custom_jvp
    def overflowing(x):
        return ref.stable_softplus(x)

    @overflowing.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return overflowing(x), jnp.exp(x) / (1 + jnp.exp(x)) * t
    message = failure("stable_softplus", overflowing)
    assert "jax.grad(f)(x) is nan at x = 710.0" in message and "finite for every float" in message


def test_a_rule_that_returns_another_value_fails():
    @jax.custom_jvp
    def identity_primal(x):
        return ref.stable_softplus(x)

    @identity_primal.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return x, jax.nn.sigmoid(x) * t                  # the primal output should be softplus(x)
    assert "jax.vjp(f, x)[0] (the value the rule returns)" in failure("stable_softplus", identity_primal)


def test_a_softplus_cut_to_zero_below_minus_28_fails():
    @jax.custom_jvp
    def cut(x):
        return jnp.where(x < -28, 0.0, ref.stable_softplus(x))

    @cut.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return cut(x), jnp.where(x < -28, 0.0, jax.nn.sigmoid(x)) * t
    assert "test cases of `stable_softplus` failed" in failure("stable_softplus", cut)


def test_jaxs_own_softplus_is_not_a_rule_of_the_students():
    assert "holds no custom derivative rule" in failure("stable_softplus", jax.nn.softplus)


def test_float32_softplus_fails_on_large_floats():
    @jax.custom_jvp
    def single(x):
        x = jnp.float32(x)
        return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))

    @single.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return single(x), jax.nn.sigmoid(jnp.float32(x)) * t
    assert "f(x) is inf at x = 1.7e+308" in failure("stable_softplus", single)


def test_an_unanswered_softplus_is_said_to_be_unanswered():
    def unanswered(x):
        raise NotImplementedError()
    assert "not answered" in failure("stable_softplus", unanswered)


def test_jax_in_an_implicit_derivative_is_refused():
    def by_jax(A, b, g):
        _, pull = jax.vjp(jnp.linalg.solve, jnp.asarray(A), jnp.asarray(b))
        dA, db = pull(jnp.asarray(g))
        return np.asarray(dA), np.asarray(db)
    assert "jax" in failure("solve_vjp", by_jax)


def test_a_solve_vjp_that_is_not_a_pair_says_so():
    assert "not a pair (dL/dA, dL/db)" in failure("solve_vjp", lambda A, b, g: ref.solve_vjp(A, b, g)[0])
    assert "dL/dA has A's shape" in failure("solve_vjp", lambda A, b, g: (ref.solve_vjp(A, b, g)[0].ravel(),
                                                                         ref.solve_vjp(A, b, g)[1]))


def test_unrolling_the_fixed_point_fails_by_its_calls_even_when_right():
    def unrolled(T, dT_dx, dT_dtheta, x_star, theta, g):
        x, J = np.array(x_star), np.zeros((len(x_star), np.size(theta)))
        for _ in range(300):
            J = dT_dx(x, theta) @ J + np.asarray(dT_dtheta(x, theta)).reshape(len(x), -1)
            x = T(x, theta)
        return (g @ J).reshape(np.shape(theta))
    message = failure("fixed_point_grad", unrolled)
    assert "called T 300 times" in message and "unrolls the iteration" in message


def test_a_fixed_point_gradient_of_x_shape_says_theta_shape():
    def full(T, dT_dx, dT_dtheta, x_star, theta, g):
        return np.zeros(len(x_star) + 1)
    assert "g^T dx*/dtheta has theta's shape" in failure("fixed_point_grad", full)


def test_the_lasso_jacobian_needs_the_support():
    message = failure("lasso_solution_jacobian", lambda A, b, lam, x: np.linalg.pinv(A))
    assert "likely mistake: pinv(A)" in message


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_passes_under_another_salt(name):
    with salted("a third student"):
        assert run(name, {n: getattr(ref, n) for n in NAMES}) is None


def _double_where(x):
    """A softplus whose traced derivative is right everywhere, without any rule."""
    safe = jnp.where(x > 0, x, 0.0)
    return jnp.where(x > 0, safe + jnp.log1p(jnp.exp(-safe)), jnp.log1p(jnp.exp(jnp.where(x > 0, 0.0, x))))


def test_a_custom_call_that_does_not_make_the_output_is_no_rule():
    @jax.custom_jvp
    def unused(x):
        return x

    unused.defjvp(lambda p, t: (p[0], t[0]))

    def dead(x):
        return _double_where(x) + 0.0 * unused(1.0)

    def custom_jvp_call(x):      # only the name of a custom call
        return _double_where(x)
    for answer in (dead, jax.jit(custom_jvp_call)):
        assert "holds no custom derivative rule" in failure("stable_softplus", answer)


def test_unrolling_with_maps_of_its_own_fails_at_the_repelling_fixed_point():
    from adcourse.functions import FIXED_POINTS

    raw = {T.name: triple for triple in FIXED_POINTS for T in triple[:1]}

    def unrolled(T, dT_dx, dT_dtheta, x_star, theta, g):   # the uncounted maps, found by name
        probe = T(x_star + 0.1, theta)                       # one counted call, to tell the maps apart
        for T_, dx, dth in raw.values():
            try:
                if np.allclose(T_(x_star + 0.1, theta), probe):
                    break
            except ValueError:
                continue
        x, J = np.array(x_star), np.zeros((len(x_star), np.size(theta)))
        with np.errstate(all="ignore"):
            for _ in range(400):
                J = dx(x, theta) @ J + np.asarray(dth(x, theta)).reshape(len(x), -1)
                x = T_(x, theta)
        return (g @ J).reshape(np.shape(theta))
    message = failure("fixed_point_grad", unrolled)
    assert "x + M (x^3 - theta)" in message and "at a fixed point that repels" in message


def test_the_adjoint_by_iteration_fails_where_the_fixed_point_repels():
    def neumann(T, dT_dx, dT_dtheta, x_star, theta, g):
        Jx, u = np.atleast_2d(dT_dx(x_star, theta)), np.array(g, dtype=float)
        with np.errstate(all="ignore"):
            for _ in range(2000):
                u = g + Jx.T @ u
        return (np.asarray(dT_dtheta(x_star, theta)).reshape(len(x_star), -1).T @ u).reshape(np.shape(theta))
    message = failure("fixed_point_grad", neumann)
    assert "runs away from it" in message and "solve (I - dT_dx)^T u = g" in message
