"""Chapter 09: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake). Each bound of the contract
is shown to fail an answer that breaks only that bound: the loss traced once a row, no custom
rule, a derivative that is not finite at one float, JAX in an implicit derivative, the map's
Jacobians called at every iterate, shapes other than the contract's."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from adcourse.frameworks import use_float64
from autograder.cases import salted
from autograder.checking import CheckFailure
from autograder.hidden import frameworks as hidden
from autograder.reference import frameworks as ref
from autograder.samples import parse_sample

from ..conftest import ROOT

use_float64()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

NAMES = ["per_example_grads", "stable_softplus", "solve_vjp", "fixed_point_grad", "lasso_solution_jacobian"]


def sample(student: str) -> dict:
    """The names a sample's answers define, run on the notebook's imports, the reference
    standing in for the answers it leaves as they are."""
    namespace = {"np": np, "jax": jax, "jnp": jnp, **{name: getattr(ref, name) for name in NAMES}}
    for source in parse_sample(ROOT / "samples" / "09_frameworks" / f"{student}.py").answers.values():
        exec(source, namespace)
    return namespace


def run(name: str, answers: dict) -> None:
    test = getattr(hidden, f"test_{name}_hidden")
    return test(*(answers[p] for p in inspect.signature(test).parameters))


def failure(name: str, answer) -> str:
    with pytest.raises(CheckFailure) as failed:
        run(name, {name: answer})
    return str(failed.value)


@pytest.mark.parametrize("salt", [None, "another student"])
@pytest.mark.parametrize("student", ["kai_alternative", "lia_alternative"])
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
