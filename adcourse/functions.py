"""A catalogue of test functions with known derivatives.

One catalogue serves the notebooks' plots, the hidden tests and the tests of the
reference implementations, so that every implementation is checked on the same
functions. Every scalar function here is built from NumPy ufuncs, so it works
elementwise on arrays and accepts complex input (the complex-step method needs it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Fn:
    """A function with its derivative (or gradient, or Jacobian) and a safe domain.

    Calling an `Fn` calls `f`. `domain` is the interval inside which sample points are
    drawn (every coordinate, for functions of arrays). The name is what messages show.
    """

    name: str
    f: Callable
    df: Callable
    domain: tuple[float, float] = (-2.0, 2.0)
    shape: tuple[int, int] | None = None  # (m, n) for functions R^n -> R^m

    def __call__(self, x):
        return self.f(x)

    # A catalogue function is a constant: copies of a test's inputs share it.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self) -> str:
        return self.name


def _sech2(x):
    return 1.0 / np.cosh(x) ** 2


# Scalar functions of one variable (elementwise on arrays), with f'.
SCALAR = (
    Fn("sin(x)", np.sin, np.cos),
    Fn("exp(x)", np.exp, np.exp),
    Fn("x**3 - 2*x", lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2),
    Fn("log(1 + x**2)", lambda x: np.log(1 + x**2), lambda x: 2 * x / (1 + x**2)),
    Fn("tanh(x)", np.tanh, _sech2),
    Fn("exp(-x**2/2) * sin(3*x)",
       lambda x: np.exp(-x**2 / 2) * np.sin(3 * x),
       lambda x: np.exp(-x**2 / 2) * (3 * np.cos(3 * x) - x * np.sin(3 * x))),
    Fn("sqrt(x)", np.sqrt, lambda x: 0.5 / np.sqrt(x), domain=(0.5, 4.0)),
    Fn("1 / (1 + x**2)", lambda x: 1 / (1 + x**2), lambda x: -2 * x / (1 + x**2) ** 2),
)


def _logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


# Scalar functions of an array of any shape, with their gradient (same shape as x).
GRADIENT = (
    Fn("0.5 * sum(x**2)", lambda x: 0.5 * np.sum(x**2), lambda x: np.array(x, dtype=float)),
    Fn("sum(x * sin(x))", lambda x: np.sum(x * np.sin(x)), lambda x: np.sin(x) + x * np.cos(x)),
    Fn("log(sum(exp(x)))", _logsumexp, _softmax),
    Fn("sum(x)**2", lambda x: np.sum(x) ** 2, lambda x: 2 * np.sum(x) * np.ones_like(x, dtype=float)),
    Fn("sum(tanh(x)**2)", lambda x: np.sum(np.tanh(x) ** 2), lambda x: 2 * np.tanh(x) * _sech2(x)),
)


# A fixed non-square matrix, so that a transposed Jacobian cannot pass by luck.
_A = np.array([[1.0, -2.0, 0.5, 3.0, 0.0],
               [0.0, 1.5, -1.0, 2.0, 4.0],
               [2.5, 0.0, 1.0, -0.5, 1.0]])


def _f_poly(x):
    return np.array([np.sin(x[0]) * x[1], x[0] ** 2 + x[2], np.exp(x[1] - x[2]), x[0] * x[1] * x[2]])


def _j_poly(x):
    return np.array([
        [np.cos(x[0]) * x[1], np.sin(x[0]), 0.0],
        [2 * x[0], 0.0, 1.0],
        [0.0, np.exp(x[1] - x[2]), -np.exp(x[1] - x[2])],
        [x[1] * x[2], x[0] * x[2], x[0] * x[1]],
    ])


def _f_polar(x):
    r, t = x
    return np.array([r * np.cos(t), r * np.sin(t), r**2])


def _j_polar(x):
    r, t = x
    return np.array([[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)], [2 * r, 0.0]])


# Functions R^n -> R^m (1-D in, 1-D out), with their (m, n) Jacobian.
JACOBIAN = (
    Fn("A @ x (A is 3x5)", lambda x: _A @ x, lambda x: _A.copy(), shape=(3, 5)),
    Fn("[sin(x0)*x1, x0**2 + x2, exp(x1 - x2), x0*x1*x2]", _f_poly, _j_poly, shape=(4, 3)),
    Fn("[r cos t, r sin t, r**2]", _f_polar, _j_polar, domain=(0.5, 2.0), shape=(3, 2)),
    Fn("tanh(x) * sum(x)", lambda x: np.tanh(x) * np.sum(x),
       lambda x: np.diag(_sech2(x) * np.sum(x)) + np.outer(np.tanh(x), np.ones_like(x)), shape=(4, 4)),
)


def by_name(name: str) -> Fn:
    """The catalogue function called `name` (as shown in messages)."""
    for fn in CATALOGUE:
        if fn.name == name:
            return fn
    raise KeyError(f"no catalogue function named {name!r}")


#: Every function of the catalogue: what may cross to a student's kernel by name.
CATALOGUE = SCALAR + GRADIENT + JACOBIAN


# --- Functions for dual numbers (chapter 03) -----------------------------------------------
#
# Each works on floats and arrays, and on any dual-number class with `value`, `tangent`
# and a constructor Dual(value, tangent) (a student's own): an elementary function maps
# a + a'd to f(a) + f'(a) a' d itself, so a test of `derivative` depends on the
# student's Dual, never on their elementary functions. Only Dual + Dual, Dual * Dual,
# Dual / Dual, -Dual, Dual ** number, and Dual + number, Dual * number on either side
# are used.

def _is_dual(x) -> bool:
    return hasattr(x, "tangent") and not isinstance(x, (np.ndarray, np.generic, float, int))


def _elementary(name: str, f: Callable, df: Callable) -> Callable:
    def apply(x):
        if _is_dual(x):
            return type(x)(apply(x.value), df(x.value) * x.tangent)
        return f(x)
    apply.__name__ = name
    return apply


d_sin = _elementary("sin", np.sin, lambda v: d_cos(v))
d_cos = _elementary("cos", np.cos, lambda v: -d_sin(v))
d_exp = _elementary("exp", np.exp, lambda v: d_exp(v))
d_log = _elementary("log", np.log, lambda v: v ** -1.0)
d_sqrt = _elementary("sqrt", np.sqrt, lambda v: v ** -0.5 * 0.5)
d_tanh = _elementary("tanh", np.tanh, lambda v: d_tanh(v) * d_tanh(v) * -1.0 + 1.0)


def components(x) -> list:
    """The entries of a 1-D array, or of a Dual whose value and tangent are 1-D arrays
    (as Duals of floats)."""
    if _is_dual(x):
        value = np.asarray(x.value)
        tangent = np.broadcast_to(x.tangent, value.shape)
        return [type(x)(value[i], tangent[i]) for i in range(value.shape[0])]
    return list(x)


def stack(items: list):
    """A 1-D array of the items, or a Dual of 1-D arrays when some items are Duals."""
    duals = [i for i in items if _is_dual(i)]
    if not duals:
        return np.array(items, dtype=float)
    return type(duals[0])(np.array([i.value if _is_dual(i) else i for i in items], dtype=float),
                          np.array([i.tangent if _is_dual(i) else 0.0 for i in items], dtype=float))


# Scalar functions of one variable, for forward mode, with f'.
DUAL_SCALAR = (
    Fn("x**3 - 2*x + 1", lambda x: x**3 - 2 * x + 1, lambda x: 3 * x**2 - 2),
    Fn("sin(x) * exp(x)", lambda x: d_sin(x) * d_exp(x),
       lambda x: np.exp(x) * (np.sin(x) + np.cos(x))),
    Fn("log(1 + x**2) / x", lambda x: d_log(x**2 + 1) / x,
       lambda x: 2 / (1 + x**2) - np.log(1 + x**2) / x**2, domain=(0.5, 2.0)),
    Fn("sqrt(x) * tanh(x)", lambda x: d_sqrt(x) * d_tanh(x),
       lambda x: 0.5 / np.sqrt(x) * np.tanh(x) + np.sqrt(x) * _sech2(x), domain=(0.5, 3.0)),
    Fn("cos(x**2 - x)", lambda x: d_cos(x**2 - x), lambda x: -np.sin(x**2 - x) * (2 * x - 1)),
    Fn("x**2.5 / (1 + x)", lambda x: x**2.5 / (x + 1),
       lambda x: 2.5 * x**1.5 / (1 + x) - x**2.5 / (1 + x)**2, domain=(0.5, 2.0)),
)


def _dual_poly(x):
    x0, x1, x2 = components(x)
    return stack([d_sin(x0) * x1, x0**2 + x2, d_exp(x1 - x2), x0 * x1 * x2])


def _dual_polar(x):
    r, t = components(x)
    return stack([r * d_cos(t), r * d_sin(t), r**2])


def _table2(x):
    x1, x2 = components(x)
    return stack([d_log(x1) + x1 * x2 - d_sin(x2)])


def _dual_tanh_sum(x):
    parts = components(x)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return stack([d_tanh(p) * total for p in parts])


# Functions R^n -> R^m for forward mode (1-D in, 1-D out), with their (m, n) Jacobian.
DUAL_JACOBIAN = (
    Fn("[sin(x0)*x1, x0**2 + x2, exp(x1 - x2), x0*x1*x2] (dual-ready)", _dual_poly, _j_poly, shape=(4, 3)),
    Fn("[r cos t, r sin t, r**2] (dual-ready)", _dual_polar, _j_polar, domain=(0.5, 2.0), shape=(3, 2)),
    Fn("ln(x1) + x1 x2 - sin(x2)", _table2,
       lambda x: np.array([[1 / x[0] + x[1], x[0] - np.cos(x[1])]]), domain=(0.5, 3.0), shape=(1, 2)),
    Fn("tanh(x) * sum(x) (dual-ready)", _dual_tanh_sum,
       lambda x: np.diag(_sech2(x) * np.sum(x)) + np.outer(np.tanh(x), np.ones_like(x)), shape=(4, 4)),
)

#: The function of Table 2 of Baydin et al. (2018), f(x1, x2) = ln(x1) + x1 x2 - sin(x2).
TABLE2 = DUAL_JACOBIAN[2]

CATALOGUE = CATALOGUE + DUAL_SCALAR + DUAL_JACOBIAN


# --- Programs for tensors (chapter 06) ------------------------------------------------------
#
# A test of a student's `Tensor` or `backward` runs one of these programs in the student's
# kernel, in one round trip (`autograder.sealed.in_kernel`), on the student's class. They
# use only the chapter's contract: Tensor(data, parents=()), `data`, `parents` (pairs
# (parent, vjp)), `grad`, the operators and methods, and backward(output). What they
# return is data: arrays, numbers, strings.

def _call_method(name):
    def call(x, **kwargs):
        return getattr(x, name)(**kwargs)
    return call


TENSOR_OPERATIONS = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: x / y, "@": lambda x, y: x @ y, "neg": lambda x: -x,
    "T": lambda x: x.T, "reshape": lambda x, shape: x.reshape(shape),
    **{name: _call_method(name) for name in ("sum", "mean", "exp", "log", "tanh", "relu")},
    # One tensor used twice: its gradient is the sum over both uses.
    "x * x": lambda x: x * x, "x + x": lambda x: x + x, "x * x - x": lambda x: x * x - x,
    "x / (x + 3)": lambda x: x / (x + 3.0),
}

#: The most paths `pull_back` follows (a single operation has a handful).
MAX_PATHS = 10_000


def pull_back(output, leaves, g) -> list:
    """The gradients of <g, output> with respect to `leaves`, found by following every
    path from `output` down the parents' VJPs and adding what reaches each leaf.

    Path by path, with no topological order: fine for the few nodes of one operation,
    exponential on large graphs (that is what `backward` is for). A leaf that no path
    reaches gets None.
    """
    totals = [None] * len(leaves)
    stack, paths = [(output, g)], 0
    while stack:
        node, g = stack.pop()
        paths += 1
        if paths > MAX_PATHS:
            raise RuntimeError(f"one operation made a graph of more than {MAX_PATHS} paths")
        for i, leaf in enumerate(leaves):
            if node is leaf:
                totals[i] = g if totals[i] is None else totals[i] + g
                break
        else:
            stack.extend((parent, vjp(g)) for parent, vjp in node.parents)
    return totals


def operate(Tensor, op, operands, kwargs, shifts=None):
    """(tensor operands, result) of `op` on operands built with `Tensor`: ("tensor", array)
    becomes Tensor(array + shift), anything else stays a constant."""
    leaves, built = [], []
    for spec in operands:
        if isinstance(spec, (list, tuple)) and len(spec) == 2 and spec[0] == "tensor":
            data = np.array(spec[1], dtype=float)
            if shifts is not None:
                data = data + shifts[len(leaves)]
            leaves.append(Tensor(data))
            built.append(leaves[-1])
        else:
            built.append(spec)
    return leaves, TENSOR_OPERATIONS[op](*built, **kwargs)


def _is_tensor(x) -> bool:
    return hasattr(x, "parents") and hasattr(x, "data")


def _tensor_operation(args):
    """One operation on the student's Tensors: its value, each tensor operand's gradient
    of <G, result> (VJPs followed path by path), whether new Tensors had grad None, and
    the central difference of <G, result> along the directions V (one per tensor operand)."""
    Tensor, op, operands, kwargs, G, V, h = args
    leaves, out = operate(Tensor, op, operands, kwargs)
    if not _is_tensor(out):
        return {"error": f"the result is a {type(out).__name__}, not a Tensor"}
    answer = {"value": np.array(out.data, dtype=float),
              "fresh": all(getattr(leaf, "grad", None) is None for leaf in leaves)}
    try:
        answer["grads"] = [None if g is None else np.array(g, dtype=float)
                           for g in pull_back(out, leaves, np.array(G, dtype=float))]
    except Exception as exc:
        answer["vjp_error"] = f"{type(exc).__name__}: {exc}"[:400]
        return answer

    def along(t):
        _, moved = operate(Tensor, op, operands, kwargs, [t * np.asarray(v) for v in V])
        return float(np.sum(np.asarray(G) * np.asarray(moved.data, dtype=float)))
    answer["central"] = (along(h) - along(-h)) / (2 * h)
    return answer


def _graph_nodes(Tensor, name, arrays):
    """(output, the nodes whose gradients are read) of the graph `name`, built from the
    leaves Tensor(array) with the course's own VJPs (only the constructor is the student's)."""
    leaves = [Tensor(np.array(a, dtype=float)) for a in arrays]

    def node(data, *pairs):
        return Tensor(data, tuple(pairs))

    def total(x):
        return node(np.sum(x.data), (x, lambda g: np.full(x.data.shape, g)))

    if name == "reuse":  # x * x + x: x twice as a parent of one node, and reused
        x, = leaves
        square = node(x.data * x.data, (x, lambda g: g * x.data), (x, lambda g: g * x.data))
        plus = node(square.data + x.data, (square, lambda g: g), (x, lambda g: g))
        out = total(plus)
        return out, leaves + [square, plus, out]
    if name == "diamond":  # tanh(a) * 2a, summed: two paths from a
        a, = leaves
        t = np.tanh(a.data)
        b = node(t, (a, lambda g: g * (1 - t * t)))
        c = node(2 * a.data, (a, lambda g: 2 * g))
        d = node(b.data * c.data, (b, lambda g: g * c.data), (c, lambda g: g * b.data))
        out = total(d)
        return out, leaves + [b, c, d, out]
    if name == "layer":  # mean((tanh(X W + b) v - t)**2) with constants X, t
        W, b, v = leaves
        X = np.linspace(-1.0, 1.0, 5 * W.data.shape[0]).reshape(5, -1)
        target = np.linspace(-0.5, 0.5, 5)
        pre = node(X @ W.data + b.data, (W, lambda g: X.T @ g), (b, lambda g: g.sum(axis=0)))
        t = np.tanh(pre.data)
        hidden = node(t, (pre, lambda g: g * (1 - t * t)))
        scores = node(hidden.data @ v.data, (hidden, lambda g: np.outer(g, v.data)),
                      (v, lambda g: hidden.data.T @ g))
        r = scores.data - target
        out = node(np.mean(r * r), (scores, lambda g: g * 2 * r / r.size))
        return out, leaves + [pre, hidden, scores, out]
    if name == "skip":  # tanh(a) + 2 (3 tanh(a)): b is reached by paths of lengths 1 and 3
        a, = leaves
        t = np.tanh(a.data)
        b = node(t, (a, lambda g: g * (1 - t * t)))
        c = node(3 * b.data, (b, lambda g: 3 * g))
        e = node(2 * c.data, (c, lambda g: 2 * g))
        d = node(b.data + e.data, (b, lambda g: g), (e, lambda g: g))
        out = total(d)
        return out, leaves + [b, c, e, d, out]
    if name == "chain":  # y <- 0.5 tanh(y) + x, 150 times: deep, and x feeds every level
        x, = leaves
        y = x
        for _ in range(150):
            t = np.tanh(y.data)
            y = node(0.5 * t + x.data, (y, (lambda t: lambda g: 0.5 * g * (1 - t * t))(t)),
                     (x, lambda g: g))
        out = total(y)
        return out, leaves + [out]
    raise KeyError(f"no tensor graph called {name!r}")


TENSOR_GRAPHS = ("reuse", "diamond", "skip", "layer", "chain")


def _tensor_backward(args):
    """`backward` on a graph of the student's Tensors built with the course's VJPs: the
    output's value, the gradients it filled (None where it filled none), and the central
    difference of the output along the directions V (one per leaf)."""
    Tensor, backward, name, arrays, V, h = args
    out, nodes = _graph_nodes(Tensor, name, arrays)
    backward(out)
    grads = [None if getattr(n, "grad", None) is None else np.array(n.grad, dtype=float) for n in nodes]

    def along(t):
        moved, _ = _graph_nodes(Tensor, name, [np.asarray(a) + t * np.asarray(v) for a, v in zip(arrays, V)])
        return float(moved.data)
    return {"value": float(out.data), "grads": grads, "shapes": [list(np.shape(n.data)) for n in nodes],
            "central": (along(h) - along(-h)) / (2 * h)}


def _no_derivative(x):
    raise TypeError("a program has no derivative")


TENSOR_OPERATION = Fn("one operation on Tensors (program)", _tensor_operation, _no_derivative)
TENSOR_BACKWARD = Fn("backward on a graph of Tensors (program)", _tensor_backward, _no_derivative)
TENSOR_PROGRAMS = (TENSOR_OPERATION, TENSOR_BACKWARD)

CATALOGUE = CATALOGUE + TENSOR_PROGRAMS
