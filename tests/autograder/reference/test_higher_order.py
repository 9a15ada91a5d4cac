"""Chapter 08's references, checked without them: Hessians by SymPy and by central
differences of gradients, Newton's gradient and Hessian by central differences of the
loss, checkpointing against the full tape and an exact recursion, and what it keeps."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from adcourse import higher_order as ho
from adcourse.matrix_calculus import logistic_data
from autograder.reference import higher_order as ref

#: Scalar functions of a vector, each written once for any module `m` that has sin, cos,
#: exp, log and tanh: the chapter's engine (Vars of Duals) and SymPy.
FUNCTIONS = {
    "sum of squares": (lambda x, m: sum(xi * xi for xi in x), 3),
    "rosenbrock": (lambda x, m: sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
                                    for i in range(len(x) - 1)), 4),
    "mixed": (lambda x, m: m.sin(x[0]) * x[1] + m.exp(x[0] * x[1]) / (1 + x[2] * x[2]), 3),
    "tanh chain": (lambda x, m: m.tanh(m.cos(x[0]) + x[1] * x[0]) * m.log(2 + x[1] ** 2), 2),
    "one variable": (lambda x, m: m.exp(m.sin(x[0])), 1),
    "shared": (lambda x, m: (lambda s: s * s * s + m.exp(s))(x[0] * x[1] + x[2]) - 3 / x[3], 4),
}


def sympy_hessian(name, x):
    g, n = FUNCTIONS[name]
    symbols = sp.symbols(f"x0:{n}")
    expr = g(list(symbols), sp)
    H = sp.hessian(expr, symbols)
    return np.array(H.subs(dict(zip(symbols, x))).evalf(30), dtype=float)


def engine(name):
    g, _ = FUNCTIONS[name]
    return lambda x: g(list(x), ho)


def points(name, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 1.2, FUNCTIONS[name][1]), rng.normal(size=FUNCTIONS[name][1])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_hvp_and_hessian_agree_with_sympy(name):
    for seed in range(3):
        x, v = points(name, seed)
        H = sympy_hessian(name, x)
        np.testing.assert_allclose(ref.hvp(engine(name), x, v), H @ v, rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(ref.hessian(engine(name), x), H, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", ["mixed", "rosenbrock"])
def test_hvp_agrees_with_central_differences_of_the_gradient(name):
    """(grad f(x + h v) - grad f(x - h v)) / 2h, the gradient by the engine's reverse pass
    on floats: a check that uses no dual number."""
    f = engine(name)

    def gradient(x):
        xs = [ho.Var(a) for a in x]
        f(xs).backward()
        return np.array([xi.grad for xi in xs])

    x, v = points(name, 7)
    h = 1e-5
    approx = (gradient(x + h * v) - gradient(x - h * v)) / (2 * h)
    np.testing.assert_allclose(ref.hvp(f, x, v), approx, rtol=1e-6, atol=1e-6)


def test_hvp_calls_f_once_and_hessian_n_times():
    calls = []
    f = engine("rosenbrock")

    def counted(x):
        calls.append(1)
        return f(x)

    x, v = points("rosenbrock", 1)
    ref.hvp(counted, x, v)
    assert len(calls) == 1
    calls.clear()
    ref.hessian(counted, x)
    assert len(calls) == len(x)


def test_hvp_is_linear_in_v_and_zero_for_v_zero():
    f = engine("mixed")
    x, v = points("mixed", 3)
    w = np.random.default_rng(4).normal(size=3)
    np.testing.assert_allclose(ref.hvp(f, x, 2 * v - 3 * w), 2 * ref.hvp(f, x, v) - 3 * ref.hvp(f, x, w),
                               rtol=1e-12, atol=1e-12)
    assert np.array_equal(ref.hvp(f, x, np.zeros(3)), np.zeros(3))


# --- Newton's method -----------------------------------------------------------------------

def central(f, w, h=1e-5):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])


def test_newton_steps_use_the_gradient_and_hessian_of_the_loss():
    """One step of the reference from w_0 = 0 equals -H^-1 g with g and H from central
    differences of the loss (not of the reference's formulas), and losses[k] is L(w_k)."""
    X, y = logistic_data(80, seed=3)
    ridge = 0.05

    def loss(w):
        z = X @ w
        return np.mean(np.log1p(np.exp(-z)) + (1 - y) * z) + ridge / 2 * w @ w

    w0 = np.zeros(3)
    g = central(loss, w0)
    H = np.array([central(lambda u: central(loss, u, 1e-4)[i], w0, 1e-4) for i in range(3)])
    w1, losses = ref.newton_logistic(X, y, steps=1, ridge=ridge)
    np.testing.assert_allclose(w1, -np.linalg.solve(H, g), rtol=1e-5)
    np.testing.assert_allclose(losses, [loss(w0), loss(w1)], rtol=1e-12)


def test_newton_converges_quadratically_to_a_stationary_point():
    X, y = logistic_data(200, seed=0)
    w, losses = ref.newton_logistic(X, y, steps=8)
    assert len(losses) == 9 and np.all(np.diff(losses) <= 1e-15)
    gaps = losses[:-1] - losses[-1]
    # quadratic: the gap roughly squares from one step to the next, once it is small
    small = [k for k in range(len(gaps) - 1) if 1e-12 < gaps[k + 1] and gaps[k] < 1e-2]
    assert small and all(gaps[k + 1] < 10 * gaps[k] ** 2 for k in small)
    s = 2 * y - 1
    gradient = -X.T @ (s / (1 + np.exp(s * (X @ w)))) / len(y) + 1e-6 * w
    assert np.linalg.norm(gradient) < 1e-12


def test_newton_leaves_its_inputs_and_steps_zero():
    X, y = logistic_data(30, seed=1)
    X0, y0 = X.copy(), y.copy()
    w, losses = ref.newton_logistic(X, y, steps=0)
    assert np.array_equal(w, np.zeros(3)) and np.allclose(losses, [math.log(2)])
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


# --- checkpointing -------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), every=st.integers(1, 50), a=st.floats(0.5, 1.5))
def test_checkpointed_grad_of_a_linear_recurrence_is_a_power(n, every, a):
    """x_(k+1) = a x_k: x_n = a^n x_0 and d x_n / d x_0 = a^n exactly."""
    grad, x_n = ref.checkpointed_grad(lambda x: a * x, lambda x, g: a * g, 0.7, n, every)
    assert grad == pytest.approx(a ** n, rel=1e-12) and x_n == pytest.approx(0.7 * a ** n, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), every=st.integers(1, 35))
def test_checkpointed_grad_equals_the_full_tape(n, every):
    x0 = ho.recurrence_start(5, seed=n)
    full = ho.full_tape_grad(ho.recurrence_step, ho.recurrence_vjp, x0, n)
    got = ref.checkpointed_grad(ho.recurrence_step, ho.recurrence_vjp, x0, n, every)
    np.testing.assert_array_equal(got[1], full[1])
    np.testing.assert_allclose(got[0], full[0], rtol=1e-13)


def test_full_tape_agrees_with_the_product_of_derivatives():
    """The chain rule by hand: d x_n / d x_0 = prod_k (1 + 0.05 cos x_k), elementwise, and
    a central difference of x_n in x_0 (the step alone, not its VJP); over 150 steps the
    derivative stays of order 1, so a test's tolerance can tell right from wrong."""
    x, product = ho.recurrence_start(6, seed=2), np.ones(6)
    x0, n, h = x.copy(), 150, 1e-6
    for _ in range(n):
        product *= 1 + 0.05 * np.cos(x)
        x = ho.recurrence_step(x)
    grad, x_n = ho.full_tape_grad(ho.recurrence_step, ho.recurrence_vjp, x0, n)
    np.testing.assert_allclose(grad, product, rtol=1e-13)
    np.testing.assert_array_equal(x_n, x)

    def run(start):
        for _ in range(n):
            start = ho.recurrence_step(start)
        return start
    np.testing.assert_allclose(grad, (run(x0 + h) - run(x0 - h)) / (2 * h), rtol=1e-7)
    assert np.all((0.2 < grad) & (grad < 5))


Counter = ho.CountedRecurrence


@pytest.mark.parametrize("n, every", [(100, 10), (100, 7), (64, 8), (30, 1), (30, 30), (30, 100)])
def test_checkpointing_keeps_few_states_and_recomputes_less_than_n_steps(n, every):
    counter = Counter()
    x0 = counter.born(ho.recurrence_start(8))
    ref.checkpointed_grad(counter.step, counter.dstep, x0, n, every)
    assert counter.most <= math.ceil(n / every) + min(every, n) + 2
    assert counter.steps <= 2 * n - 1
    del x0


def test_the_full_tape_keeps_every_state():
    counter = Counter()
    x0 = counter.born(ho.recurrence_start(8))
    ho.full_tape_grad(counter.step, counter.dstep, x0, 100)
    assert counter.most >= 100


def test_tape_memory_grows_like_n_and_like_its_root():
    """Peak bytes: the full tape's about four times larger for 4n, the checkpointed
    about twice, and far below the full tape's."""
    (f1, c1), (f4, c4) = ref.tape_memory(100), ref.tape_memory(400)
    assert 3.2 < f4 / f1 < 4.8
    assert 1.5 < c4 / c1 < 2.6
    assert c4 < f4 / 5
