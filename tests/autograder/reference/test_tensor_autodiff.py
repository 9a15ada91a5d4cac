"""The reference engine of chapter 06, checked three ways per primitive: central
differences in a random direction, the adjoint identity <V, J U> = <J^T V, U>, and a
second-order Taylor test; then broadcasting, reuse, backward and training."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from adcourse.functions import TENSOR_OPERATIONS
from adcourse.tensor import make_moons
from adcourse.tolerance import policy
from autograder.reference import tensor_autodiff as ref
from autograder.reference.matrix_calculus import unbroadcast

FD = policy("finite_difference")

#: (operation, shapes of its tensor operands, where they are drawn)
PRIMITIVES = [
    ("+", [(4, 3), (3,)], (-2, 2)), ("+", [(4, 1), (1, 3)], (-2, 2)), ("-", [(3,), (4, 3)], (-2, 2)),
    ("*", [(2, 3, 4), (3, 1)], (-2, 2)), ("/", [(4, 3), (3,)], (0.5, 2)), ("/", [(), (2, 3)], (0.5, 2)),
    ("@", [(4, 3), (3, 2)], (-2, 2)), ("@", [(4, 3), (3,)], (-2, 2)), ("@", [(3,), (3, 2)], (-2, 2)),
    ("@", [(3,), (3,)], (-2, 2)), ("@", [(2, 4, 3), (3, 2)], (-2, 2)), ("neg", [(3, 2)], (-2, 2)),
    ("exp", [(3, 2)], (-2, 2)), ("log", [(3, 2)], (0.5, 3)), ("tanh", [(3, 2)], (-2, 2)),
    ("relu", [(3, 4)], (0.1, 2)), ("T", [(3, 4)], (-2, 2)), ("x * x - x", [(2, 3)], (-2, 2)),
    ("x / (x + 3)", [(2, 3)], (0.5, 2)),
]
REDUCTIONS = [("sum", {}), ("sum", {"axis": 1}), ("sum", {"axis": (0, 2), "keepdims": True}),
              ("mean", {"axis": -1}), ("mean", {}), ("mean", {"axis": 0, "keepdims": True})]


def operation(op, kwargs=None):
    """f(*arrays) -> the array the reference computes, and its VJP through the engine."""
    kwargs = kwargs or {}

    def f(*arrays):
        return np.asarray(TENSOR_OPERATIONS[op](*map(ref.Tensor, arrays), **kwargs).data)

    def vjp(arrays, G):
        leaves = [ref.Tensor(a) for a in arrays]
        out = TENSOR_OPERATIONS[op](*leaves, **kwargs)
        loss = (out * G).sum()
        ref.backward(loss)
        return [leaf.grad for leaf in leaves]
    return f, vjp


def cases():
    for op, shapes, domain in PRIMITIVES:
        yield op, {}, shapes, domain
    for op, kwargs in REDUCTIONS:
        yield op, kwargs, [(2, 3, 4)], (-2, 2)
    yield "reshape", {"shape": (4, 6)}, [(2, 3, 4)], (-2, 2)


CASES = list(cases())
IDS = [f"{op} {kw} {shapes}" for op, kw, shapes, _ in CASES]


def draw(rng, shapes, domain):
    return [rng.uniform(*domain, size=s) for s in shapes]


@pytest.mark.parametrize("op, kwargs, shapes, domain", CASES, ids=IDS)
def test_every_vjp_agrees_with_central_differences_in_a_random_direction(op, kwargs, shapes, domain):
    rng = np.random.default_rng(0)
    f, vjp = operation(op, kwargs)
    x = draw(rng, shapes, domain)
    G = rng.normal(size=f(*x).shape)
    V = [rng.normal(size=s) for s in shapes]
    grads = vjp(x, G)
    assert [g.shape for g in grads] == [np.shape(a) for a in x], "a gradient has its tensor's shape"
    h = 1e-5
    plus = np.sum(G * f(*[a + h * v for a, v in zip(x, V)]))
    minus = np.sum(G * f(*[a - h * v for a, v in zip(x, V)]))
    assert FD.close(sum(np.sum(g * v) for g, v in zip(grads, V)), (plus - minus) / (2 * h))


@pytest.mark.parametrize("op, kwargs, shapes, domain", CASES, ids=IDS)
def test_every_vjp_is_the_adjoint_of_the_linearisation(op, kwargs, shapes, domain):
    """<V, J U> = <J^T V, U>, with J U a central difference of f along U, per argument."""
    rng = np.random.default_rng(1)
    f, vjp = operation(op, kwargs)
    x = draw(rng, shapes, domain)
    V = rng.normal(size=f(*x).shape)
    grads = vjp(x, V)
    for i, shape in enumerate(shapes):
        U = rng.normal(size=shape)
        h = 1e-5
        moved = lambda t: f(*[a + t * U if j == i else a for j, a in enumerate(x)])  # noqa: E731
        JU = (moved(h) - moved(-h)) / (2 * h)
        assert FD.close(np.sum(V * JU), np.sum(grads[i] * U))


@pytest.mark.parametrize("op, kwargs, shapes, domain", CASES, ids=IDS)
def test_the_first_order_remainder_is_second_order(op, kwargs, shapes, domain):
    """|L(x + tV) - L(x) - t <grad, V>| falls like t**2 (exactly 0 for linear operations)."""
    rng = np.random.default_rng(2)
    f, vjp = operation(op, kwargs)
    x = draw(rng, shapes, domain)
    G = rng.normal(size=f(*x).shape)
    V = [rng.normal(size=s) * 0.1 for s in shapes]
    slope = sum(np.sum(g * v) for g, v in zip(vjp(x, G), V))
    L = lambda t: np.sum(G * f(*[a + t * v for a, v in zip(x, V)]))  # noqa: E731
    remainders = [abs(L(t) - L(0.0) - t * slope) for t in (1e-2, 5e-3)]
    if remainders[0] > 1e-12:
        assert 3.0 < remainders[0] / remainders[1] < 5.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_unbroadcast_is_the_adjoint_of_broadcasting(shape, data):
    """<unbroadcast(G, s), U> = <G, broadcast_to(U, G.shape)> for every shape s broadcast."""
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    small = tuple(data.draw(st.sampled_from([n, 1])) for n in shape)
    rng = np.random.default_rng(len(lead) + sum(shape))
    G, U = rng.normal(size=tuple(lead) + tuple(shape)), rng.normal(size=small)
    assert unbroadcast(G, small).shape == small
    assert FD.close(np.sum(unbroadcast(G, small) * U), np.sum(G * np.broadcast_to(U, G.shape)))


def test_a_bias_added_to_rows_gets_the_sum_over_rows():
    x, b = ref.Tensor(np.arange(12.0).reshape(4, 3)), ref.Tensor(np.zeros(3))
    ((x + b) * x).sum().backward()
    assert b.grad.shape == (3,) and np.array_equal(b.grad, x.data.sum(axis=0))


def test_numbers_and_arrays_on_either_side_are_constants():
    x = ref.Tensor(np.array([1.0, 2.0]))
    for out in (2.0 - x, np.array([3.0, 4.0]) / x, x * 2, np.ones((3, 2)) @ ref.Tensor(np.eye(2))):
        assert all(isinstance(p, ref.Tensor) for p, _ in out.parents) and len(out.parents) == 1
    (np.array([3.0, 4.0]) / x).sum().backward()
    assert np.allclose(x.grad, -np.array([3.0, 4.0]) / x.data ** 2)


def test_a_reused_tensor_accumulates_and_shared_arrays_stay_intact():
    x = ref.Tensor(np.array([1.0, -2.0, 3.0]))
    plus = x * x + x    # the VJP of + returns g itself: x's first contribution is plus's grad
    out = plus.sum()
    out.backward()
    assert np.array_equal(x.grad, 2 * x.data + 1)
    assert np.array_equal(plus.grad, np.ones(3)), "accumulating into x must not change plus.grad"
    assert x.grad.shape == (3,) and out.grad == 1.0


def test_backward_handles_graphs_deeper_than_the_recursion_limit():
    x = ref.Tensor(np.array([0.3, -0.2]))
    y = x
    for _ in range(5000):
        y = (y * 0.5).tanh() + x * 0.01
    y.sum().backward()
    assert x.grad.shape == (2,) and np.isfinite(x.grad).all()


def test_new_tensors_have_no_gradient_and_inputs_are_not_modified():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = ref.Tensor(a)
    before = a.copy()
    out = (x @ x.T).tanh().mean()
    assert x.grad is None and out.grad is None
    out.backward()
    assert np.array_equal(a, before)


def test_training_on_moons_starts_near_log_2_and_learns():
    X, y = make_moons(200, 0.1, 0)
    losses = ref.train_mlp(X, y, hidden=16, steps=300, lr=1.0, seed=0)
    assert len(losses) == 300 and all(isinstance(v, float) for v in losses)
    assert abs(losses[0] - np.log(2)) < 0.05
    assert losses[-1] < 0.1
    assert ref.train_mlp(X, y, steps=5, seed=4) == ref.train_mlp(X, y, steps=5, seed=4)


def test_moons_are_reproducible_balanced_and_interleaved():
    X, y = make_moons(101, 0.0, 3)
    assert X.shape == (101, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert np.array_equal(make_moons(101, 0.0, 3)[0], X)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(*upper.T), 1.0) and np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
