"""The hidden tests of chapter 05: what they pass, what they fail, and what they say."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.cases import matrix_calculus as cases
from autograder.checking import CheckFailure, compare
from autograder.reference import matrix_calculus as ref

#: exercise -> (its cases, the harness of the comparison with the reference, keywords).
SETUP = {
    "grad_linear_form": (cases.linear_form_cases, None, {}),
    "grad_quadratic_form": (cases.quadratic_form_cases, None, {}),
    "grad_least_squares": (cases.least_squares_cases, None, {}),
    "grad_logdet": (cases.logdet_cases, None, {}),
    "grad_trace_inverse": (cases.trace_inverse_cases, None, {}),
    "grad_softmax_cross_entropy": (cases.softmax_cross_entropy_cases, None, {}),
    "grad_logistic_regression": (cases.logistic_regression_cases, None, {}),
    "jacobian_softmax": (cases.jacobian_softmax_cases, None, {}),
    "vjp_matmul": (cases.vjp_matmul_cases, cases.flattened("vjp_matmul"), {}),
    "unbroadcast": (cases.unbroadcast_cases, None, {}),
    "grad_mlp": (cases.mlp_cases, cases.flattened("grad_mlp"),
                 {"isolate": ("vjp_matmul", "unbroadcast")}),
}


def against_reference(name, student):
    make, harness, extra = SETUP[name]
    compare(student, f"matrix_calculus.{name}", make(7), policy="exact", harness=harness, **extra)


def along_directions(name, student):
    make, _, extra = SETUP[name]
    compare(student, f"matrix_calculus.{name}", make(8), policy="finite_difference",
            harness=cases.along_directions(name), **extra)


@pytest.mark.parametrize("check", [against_reference, along_directions], ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", SETUP)
def test_the_reference_passes_its_own_hidden_tests(name, check):
    assert check(name, getattr(ref, name)) is None


MISTAKEN = [(n, m) for n, ms in cases.MISTAKES.items() for m in ms]


@pytest.mark.parametrize("name, mistake", MISTAKEN, ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_and_is_named(name, mistake):
    with pytest.raises(CheckFailure) as failure:
        against_reference(name, mistake.fn)
    assert mistake.description in str(failure.value)


@pytest.mark.parametrize("name, mistake", MISTAKEN, ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_the_directional_check(name, mistake):
    with pytest.raises(CheckFailure):
        along_directions(name, mistake.fn)


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
        against_reference(name, wrong)


def test_a_transposed_part_of_a_pair_is_named_when_its_shape_shows_it():
    non_square = [c for c in cases.vjp_matmul_cases(7) if c.args[0].shape[0] != c.args[0].shape[1]]
    with pytest.raises(CheckFailure, match="dL/dA is transposed"):
        compare(lambda A, B, G: ((G @ B.T).T, A.T @ G), "matrix_calculus.vjp_matmul", non_square,
                harness=cases.flattened("vjp_matmul"))
