"""The reference answers of chapter 04, tested without any notebook: closed forms, central
differences, Table 3 of Baydin et al., graphs too deep for recursion and with too many paths."""
from __future__ import annotations

import operator
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adcourse.functions import GRAPHS, REVERSE, TABLE3
from adcourse.tolerance import policy
from autograder.reference import reverse as ref
from autograder.reference.numerical import central_difference

EXACT, FD = policy("exact"), policy("finite_difference")
values = st.floats(min_value=0.5, max_value=3.0)


def partials(f, *x):
    return np.array(ref.grad(f)(*x))


def central_partials(f, *x):
    x = np.array(x, dtype=float)
    return np.array([central_difference(lambda t: f(*np.where(np.arange(x.size) == i, t, x)), x[i])
                     for i in range(x.size)])


def test_table_3_of_baydin_et_al():
    x1bar, x2bar = ref.grad(TABLE3)(2.0, 5.0)
    assert x1bar == pytest.approx(5.5, abs=1e-12) and round(x2bar, 3) == 1.716


@pytest.mark.parametrize("fn", REVERSE, ids=lambda f: f.name)
def test_gradients_agree_with_closed_forms_and_central_differences(fn):
    rng = np.random.default_rng(4)
    for _ in range(3):
        x = rng.uniform(*fn.domain, fn.shape[1])
        got = partials(fn, *x)
        assert EXACT.close(got, np.array(fn.df(*x))).all()
        assert FD.close(got, central_partials(fn, *x)).all()


@given(a=values, b=values, op=st.sampled_from(["+", "-", "*", "/", "**"]),
       left=st.booleans(), right=st.booleans())
def test_each_operation_with_vars_or_numbers_on_either_side(a, b, op, left, right):
    f = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
         "**": operator.pow}[op]
    x, y = ref.Var(a), ref.Var(b)
    out = f(x if left else a, y if right else b)
    if not (left or right):
        return
    assert out.grad == 0.0 and EXACT.close(out.value, f(a, b))
    ref.backward(out)
    if left:
        assert FD.close(x.grad, central_difference(lambda t: f(t, b), a))
    if right:
        assert FD.close(y.grad, central_difference(lambda t: f(a, t), b))


@given(x=st.floats(min_value=-3.0, max_value=3.0))
def test_elementary_functions_against_central_differences(x):
    for name in ("sin", "cos", "exp", "tanh", "log", "relu"):
        if (name == "log" and x <= 0.1) or (name == "relu" and abs(x) < 1e-3):
            continue
        function = getattr(ref, name)
        v = ref.Var(x)
        out = function(v)
        assert EXACT.close(out.value, function(x))
        ref.backward(out)
        assert FD.close(v.grad, central_difference(lambda t: float(function(ref.Var(t)).value), x)), name


def test_relu_takes_0_at_its_kink_and_floats_stay_floats():
    v = ref.Var(0.0)
    ref.backward(ref.relu(v))
    assert v.grad == 0.0 and ref.relu(-2.0) == 0.0 and ref.sin(0.5) == np.sin(0.5)


def test_second_order_by_differencing_the_reverse_gradient():
    # d/dx of the reverse gradient of x tanh(x) - log(x), against its closed form
    fn = REVERSE[-1]
    second = central_difference(lambda t: ref.grad(fn)(t)[0], 1.3)
    t = np.tanh(1.3)
    assert FD.close(second, 2 * (1 - t * t) - 2 * 1.3 * t * (1 - t * t) + 1 / 1.3 ** 2)


def test_a_node_used_twice_gets_the_sum_of_both_uses():
    x = ref.Var(3.0)
    y = x * x + x
    ref.backward(y)
    assert x.grad == 7.0 and y.grad == 1.0


def test_calling_backward_twice_gives_the_same_gradients():
    out, nodes = GRAPHS["random"](ref.Var, 15, 3)
    ref.backward(out)
    first = [n.grad for n in nodes]
    ref.backward(out)
    assert [n.grad for n in nodes] == first


def test_a_graph_deeper_than_the_recursion_limit():
    depth = 3 * sys.getrecursionlimit() + 30_000
    out, watched = GRAPHS["chain"](ref.Var, depth, 0)
    ref.backward(out)
    product = np.prod([1.0 + 0.01 * np.sin(k) for k in range(depth)])
    assert EXACT.close(watched[0].grad, product)


def test_a_graph_with_2_to_the_60_paths_takes_linear_time(monkeypatch):
    """Counted, not timed: `backward` reads each node's parents a bounded number of times
    (following the 2**60 paths would read them about 2**61 times)."""
    reads = []

    def parents(node):
        reads.append(1)
        if len(reads) > 10_000:
            raise AssertionError("backward reads the parents far more often than there are nodes")
        return node.__dict__["_parents"]

    def set_parents(node, value):
        node.__dict__["_parents"] = value

    monkeypatch.setattr(ref.Var, "parents", property(parents, set_parents), raising=False)
    out, (x, _) = GRAPHS["doubling paths"](ref.Var, 60, 0)
    nodes = 3 * 60 + 2  # at most: each of the 60 steps adds a few nodes
    ref.backward(out)
    assert x.grad == 1.0
    assert len(reads) <= 3 * nodes, f"{len(reads)} reads of parents for about {nodes} nodes"


def test_nodes_the_output_does_not_depend_on_are_left_alone():
    x, y = ref.Var(2.0), ref.Var(3.0)
    other = y * 2.0
    ref.backward(x * x)
    assert x.grad == 4.0 and y.grad == 0.0 and other.grad == 0.0


def test_the_adjoint_identity_for_a_function_of_three_inputs():
    # <v, J u> = <J^T v, u> for the scalar f: J u is a directional central difference
    fn = REVERSE[1]
    rng = np.random.default_rng(0)
    x, u = rng.uniform(0.5, 1.5, 3), rng.normal(size=3)
    directional = central_difference(lambda t: fn(*(x + t * u)), 0.0)
    assert FD.close(directional, np.dot(partials(fn, *x), u))


@given(a=st.floats(-5, 5), b=st.floats(-5, 5))
def test_maximum_routes_the_gradient_to_the_larger_and_splits_a_tie(a, b):
    x, y = ref.Var(a), ref.Var(b)
    out = ref.maximum(x, y)
    ref.backward(out)
    assert out.value == max(a, b)
    if a == b:
        assert (x.grad, y.grad) == (0.5, 0.5)
    else:
        assert (x.grad, y.grad) == ((1.0, 0.0) if a > b else (0.0, 1.0))
        if abs(a - b) > 1e-3:  # away from the tie a central difference sees the same slopes
            assert np.isclose(x.grad, central_difference(lambda t: max(t, b), a, 1e-6), atol=1e-9)
            assert np.isclose(y.grad, central_difference(lambda t: max(a, t), b, 1e-6), atol=1e-9)
    same = ref.Var(a)
    both = ref.maximum(same, same)
    ref.backward(both)
    assert same.grad == 1.0  # max(x, x) = x


# --- train_scalar_mlp, against a network written with NumPy alone -------------------------------

def _unpack(params):
    """W (3, 2) row j = (w_j1, w_j2), b, v, c from the exercise's order."""
    p = np.asarray(params, dtype=float)
    return p[:6].reshape(3, 2), p[6:9], p[9:12], p[12]


def numpy_loss(params, data):
    """mean over the data of (out - y)**2, out = v . tanh(W x + b) + c, with NumPy."""
    W, b, v, c = _unpack(params)
    X, y = np.asarray(data, dtype=float)[:, :2], np.asarray(data, dtype=float)[:, 2]
    return float(np.mean((np.tanh(X @ W.T + b) @ v + c - y) ** 2))


def numpy_gradient(params, data):
    """dL/dparams by the chain rule written out for the whole data set at once."""
    W, b, v, c = _unpack(params)
    X, y = np.asarray(data, dtype=float)[:, :2], np.asarray(data, dtype=float)[:, 2]
    H = np.tanh(X @ W.T + b)                      # (N, 3)
    d_out = 2.0 * (H @ v + c - y) / len(y)        # dL/d out_i
    d_pre = np.outer(d_out, v) * (1.0 - H ** 2)   # dL/d (W x_i + b)_j
    return np.concatenate([(d_pre.T @ X).ravel(), d_pre.sum(axis=0), H.T @ d_out, [d_out.sum()]])


def _problem(seed, n):
    rng = np.random.default_rng(seed)
    params = [float(p) for p in rng.normal(scale=0.8, size=13)]
    data = [tuple(float(v) for v in point) for point in
            np.column_stack([rng.uniform(-1.5, 1.5, (n, 2)), rng.uniform(-1, 1, n)])]
    return params, data


@pytest.mark.parametrize("seed, n", [(0, 1), (1, 4), (2, 7)])
def test_one_step_with_rate_1_is_minus_the_gradient_of_central_differences_of_a_numpy_loss(seed, n):
    params, data = _problem(seed, n)
    final, losses = ref.train_scalar_mlp(params, data, lr=1.0, steps=1)
    gradient = np.array(params) - np.array(final)
    central = np.array([central_difference(lambda t: numpy_loss(np.where(np.arange(13) == i, t, params), data),
                                           params[i]) for i in range(13)])
    assert FD.close(gradient, central).all()
    assert EXACT.close(losses[0], numpy_loss(params, data))


@pytest.mark.parametrize("seed, n, lr, steps", [(3, 5, 0.3, 1), (4, 3, 0.15, 6), (5, 8, 0.05, 12)])
def test_steps_and_losses_agree_with_gradient_descent_vectorised_with_numpy(seed, n, lr, steps):
    params, data = _problem(seed, n)
    kept = (list(params), list(data))
    final, losses = ref.train_scalar_mlp(params, data, lr, steps)
    iterate, expected = np.array(params), []
    for _ in range(steps):
        expected.append(numpy_loss(iterate, data))  # the loss BEFORE the step
        iterate = iterate - lr * numpy_gradient(iterate, data)
    assert policy("iterates").close(final, iterate).all()
    assert len(losses) == steps and policy("iterates").close(losses, expected).all()
    assert all(type(p) is float for p in final) and all(type(v) is float for v in losses)
    assert (params, data) == kept  # the inputs are left alone


def test_the_numpy_gradient_itself_matches_central_differences():
    params, data = _problem(6, 5)
    central = [central_difference(lambda t: numpy_loss(np.where(np.arange(13) == i, t, params), data), params[i])
               for i in range(13)]
    assert FD.close(numpy_gradient(params, data), central).all()


def test_the_visible_case_worked_by_hand_and_no_steps():
    data = [(1.0, 0.0, 1.0), (0.0, 1.0, 3.0)]
    start = [0.0] * 9 + [1.0, -1.0, 0.5, 0.0]
    final, losses = ref.train_scalar_mlp(start, data, lr=0.1, steps=1)
    # h = 0, out = 0: dL/dc = -4, dL/db_j = -4 v_j, dL/dw_j1 = -v_j, dL/dw_j2 = -3 v_j, dL/dv = 0
    v = np.array([1.0, -1.0, 0.5])
    by_hand = np.concatenate([np.column_stack([0.1 * v, 0.3 * v]).ravel(), 0.4 * v, v, [0.4]])
    assert EXACT.close(final, by_hand).all() and losses == [5.0] == [numpy_loss(start, data)]
    assert ref.train_scalar_mlp(start, data, steps=0) == (start, [])


def test_the_defaults_are_a_rate_of_0_1_and_20_steps():
    params, data = _problem(7, 3)
    iterate = np.array(params)
    for _ in range(20):
        iterate = iterate - 0.1 * numpy_gradient(iterate, data)
    final, losses = ref.train_scalar_mlp(params, data)
    assert len(losses) == 20 and policy("iterates").close(final, iterate).all()
