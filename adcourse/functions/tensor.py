"""The catalogue's programs for tensors (chapter 06).

A test of a student's `Tensor` or `backward` runs one of these programs in the student's
kernel, in one round trip (`autograder.sealed.in_kernel`), on the student's class. They
use only the chapter's contract: Tensor(data, parents=()), `data`, `parents` (pairs
(parent, vjp)), `grad`, the operators and methods, and backward(output). What they
return is data: arrays, numbers, strings.
"""
from __future__ import annotations

import contextlib
import sys

import numpy as np

from adcourse.i18n import _

from .scalar import Fn


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
            raise RuntimeError(_("one operation made a graph of more than {count} paths").format(count=MAX_PATHS))
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
        return {"error": _("the result is a {kind}, not a Tensor").format(kind=type(out).__name__)}
    answer = {"value": np.array(out.data, dtype=float),
              "fresh": all(getattr(leaf, "grad", None) is None for leaf in leaves)}
    try:
        answer["grads"] = [None if g is None else np.array(g, dtype=float)
                           for g in pull_back(out, leaves, np.array(G, dtype=float))]
    except Exception as exc:
        answer["vjp_error"] = f"{type(exc).__name__}: {exc}"[:400]
        return answer

    def along(t):
        _leaves, moved = operate(Tensor, op, operands, kwargs, [t * np.asarray(v) for v in V])
        return float(np.sum(np.asarray(G) * np.asarray(moved.data, dtype=float)))
    answer["central"] = (along(h) - along(-h)) / (2 * h)
    return answer


def _graph_nodes(Tensor, name, arrays, counter=None):
    """(output, the nodes whose gradients are read) of the graph `name`, built from the
    leaves Tensor(array) with the course's own VJPs (only the constructor is the student's)."""
    leaves = [Tensor(np.array(a, dtype=float)) for a in arrays]
    counter = VJPCount() if counter is None else counter

    def node(data, *pairs):
        return Tensor(data, tuple((parent, counter.counted(vjp)) for parent, vjp in pairs))

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
        for _unused in range(150):
            t = np.tanh(y.data)
            y = node(0.5 * t + x.data, (y, (lambda t: lambda g: 0.5 * g * (1 - t * t))(t)),
                     (x, lambda g: g))
        out = total(y)
        return out, leaves + [out]
    if name == "deep":  # y <- 0.5 tanh(y) + 0.5 x, DEEP times: deeper than Python's recursion limit
        x, = leaves
        y = x
        for _unused in range(DEEP):
            t = np.tanh(y.data)
            y = node(0.5 * t + 0.5 * x.data, (y, (lambda t: lambda g: 0.5 * g * (1 - t * t))(t)),
                     (x, lambda g: 0.5 * g))
        out = total(y)
        return out, leaves + [out]
    if name == "doubling":  # y <- (y + y) / 2, 40 times: 2**40 paths, 80 edges
        x, = leaves
        y = x
        for _unused in range(40):
            y = node(y.data, (y, lambda g: 0.5 * g), (y, lambda g: 0.5 * g))
        out = total(y)
        return out, leaves + [out]
    raise KeyError(f"no tensor graph called {name!r}")


#: Levels of the "deep" graph: deeper than Python's recursion limit (a recursive traversal
#: fails), and long enough that a backward in quadratic time runs past a test's limit.
DEEP = 10_000
#: How many calls deeper than its caller a backward may go: Python's default recursion limit.
RECURSION = 1000

TENSOR_GRAPHS = ("reuse", "diamond", "skip", "layer", "chain", "deep", "doubling")


class VJPCount:
    """The calls of a graph's vector-Jacobian products. A backward pass in linear time calls
    each once; past twice the graph's edges, a call fails at once (a backward that follows
    every path of the "doubling" graph would otherwise make 2**40 of them)."""

    def __init__(self):
        self.edges, self.calls = 0, 0

    def counted(self, vjp):
        self.edges += 1

        def call(g):
            self.calls += 1
            if self.calls > 2 * self.edges:
                raise RuntimeError(_("backward called the graph's vector-Jacobian products more than {calls} "
                                     "times, and the graph has {edges} edges: each tensor must pass its "
                                     "gradient on once, after all of its own has arrived (topological order): "
                                     "each edge's VJP once per call").format(calls=2 * self.edges,
                                                                            edges=self.edges))
            return vjp(g)
        return call


@contextlib.contextmanager
def _no_deeper_than(limit: int):
    """Raise RecursionError after the call if it went more than `limit` Python calls deeper
    than its caller (the contract's backward is iterative: however high an earlier cell or
    the call itself sets the recursion limit, a recursive traversal of a graph thousands
    deep is found so). Measured by a profile function that counts calls and returns."""
    depth = [0, 0]  # now, deepest

    def profile(frame, event, arg):
        if event == "call":
            depth[0] += 1
            depth[1] = max(depth[1], depth[0])
        elif event == "return":
            depth[0] -= 1
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
    if depth[1] > limit:
        raise RecursionError(_("backward went {depth} calls deep: a recursive traversal (Python's default "
                               "limit is {limit})").format(depth=f"{depth[1]:,}", limit=f"{RECURSION:,}"))


def _tensor_backward(args):
    """`backward` on a graph of the student's Tensors built with the course's VJPs: the
    output's value, the gradients it filled (None where it filled none), and the central
    difference of the output along the directions V (one per leaf; None when h is None)."""
    Tensor, backward, name, arrays, V, h = args
    counter = VJPCount()
    out, nodes = _graph_nodes(Tensor, name, arrays, counter)
    runs = []
    for _unused in range(2):  # a second call must give the same gradients (each call replaces them)
        counter.calls = 0
        with _no_deeper_than(RECURSION):
            backward(out)
        runs.append([None if getattr(n, "grad", None) is None else np.array(n.grad, dtype=float) for n in nodes])
    first, grads = runs

    def along(t):
        moved, _nodes = _graph_nodes(Tensor, name, [np.asarray(a) + t * np.asarray(v) for a, v in zip(arrays, V)])
        return float(moved.data)
    return {"value": float(out.data), "grads": grads, "first": first, "vjp_calls": counter.calls,
            "edges": counter.edges, "shapes": [list(np.shape(n.data)) for n in nodes],
            "central": None if h is None else (along(h) - along(-h)) / (2 * h)}



def _no_derivative(x):
    raise TypeError("a program has no derivative")


TENSOR_OPERATION = Fn("one operation on Tensors (program)", _tensor_operation, _no_derivative)
TENSOR_BACKWARD = Fn("backward on a graph of Tensors (program)", _tensor_backward, _no_derivative)
TENSOR_PROGRAMS = (TENSOR_OPERATION, TENSOR_BACKWARD)

