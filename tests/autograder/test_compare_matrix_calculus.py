"""Chapter 05: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.cases import matrix_calculus as cases
from autograder.checking import CheckFailure, compare
from autograder.hidden import matrix_calculus as hidden
from autograder.reference import matrix_calculus as ref

#: exercise -> its cases, for the directional harness alone.
CASES = {
    "grad_linear_form": cases.linear_form_cases,
    "grad_quadratic_form": cases.quadratic_form_cases,
    "grad_least_squares": cases.least_squares_cases,
    "grad_logdet": cases.logdet_cases,
    "grad_trace_inverse": cases.trace_inverse_cases,
    "grad_softmax_cross_entropy": cases.softmax_cross_entropy_cases,
    "grad_logistic_regression": cases.logistic_regression_cases,
    "jacobian_softmax": cases.jacobian_softmax_cases,
    "vjp_matmul": cases.vjp_matmul_cases,
    "unbroadcast": cases.unbroadcast_cases,
    "grad_mlp": cases.mlp_cases,
}
MISTAKEN = [(n, m) for n, ms in cases.MISTAKES.items() for m in ms]


@pytest.mark.parametrize("name, mistake", MISTAKEN, ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_the_directional_check_alone(name, mistake):
    """The hidden tests' second check, with no reference, catches every mistake on its own."""
    with pytest.raises(CheckFailure):
        compare(mistake.fn, f"matrix_calculus.{name}", CASES[name](8), policy="finite_difference",
                harness=cases.along_directions(name))


def test_the_directional_check_never_calls_the_reference(monkeypatch):
    """The reference's place is taken by central differences of the function itself."""
    harness = cases.along_directions("grad_logdet")
    X = cases.logdet_cases(1)[0].args[0]
    expected = harness(ref.grad_logdet, X)
    assert np.allclose(expected, harness(lambda X: np.linalg.inv(X).T, X), rtol=1e-6)
    monkeypatch.setattr(ref, "grad_logdet", lambda X: np.zeros_like(X))
    assert not np.allclose(harness(ref.grad_logdet, X), expected)


@pytest.mark.parametrize("name, wrong, words", [
    ("grad_linear_form", lambda a, X, b: np.outer(b, a), "transposed"),
    ("grad_least_squares", lambda A, x, b: A.T @ (A @ x - b), "off by a factor of 2"),
    ("grad_least_squares", lambda A, x, b: 2 * A.T @ (b - A @ x), "the sign is flipped"),
    ("grad_quadratic_form", lambda X, A: (A + A.T) @ X.T, "transposed"),
    ("unbroadcast", lambda G, shape: np.asarray(G).sum(axis=tuple(range(np.ndim(G) - len(shape)))).sum(
        axis=tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(G)[np.ndim(G) - len(shape) + i] != 1)),
     "shape"),
    ("grad_mlp", lambda p, X, Y: {k: v.ravel() for k, v in ref.grad_mlp(p, X, Y).items()}, "wrong shape"),
    ("grad_mlp", lambda p, X, Y: {k: v for k, v in ref.grad_mlp(p, X, Y).items() if k != "b2"}, "keys"),
])
def test_generic_mistakes_are_named(name, wrong, words):
    with pytest.raises(CheckFailure, match=words):
        getattr(hidden, f"test_{name}_hidden")(wrong)


def test_a_transposed_part_of_a_pair_is_named_when_its_shape_shows_it():
    non_square = [c for c in cases.vjp_matmul_cases(7) if c.args[0].shape[0] != c.args[0].shape[1]]
    with pytest.raises(CheckFailure, match="dL/dA is transposed"):
        compare(lambda A, B, G: ((G @ B.T).T, A.T @ G), "matrix_calculus.vjp_matmul", non_square,
                harness=cases.flattened("vjp_matmul"))
