"""The catalogue's reverse-ready functions and programs (chapter 04).

They work on floats and on any node class with `value`, `parents` and a constructor
Var(value, parents) (a student's own). The elementary functions and the graphs of the
programs below create their nodes with that constructor only, recording each local
derivative themselves: a test of `backward` depends on the student's `backward`, never on
their operators or elementary functions. The functions of several variables use only
Var + Var, Var - Var, Var * Var, Var / Var, Var ** number, and + and * with a number on
either side.
"""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from adcourse.i18n import _

from .scalar import Fn, FnOfArgs


def _is_node(x) -> bool:
    return hasattr(x, "parents") and not isinstance(x, (np.ndarray, np.generic, float, int))


def _reverse_elementary(name: str, f: Callable, df: Callable) -> Callable:
    def apply(x):
        if _is_node(x):
            return type(x)(f(x.value), ((x, float(df(x.value))),))
        return f(x)
    apply.__name__ = name
    return apply


r_sin = _reverse_elementary("sin", np.sin, np.cos)
r_cos = _reverse_elementary("cos", np.cos, lambda v: -np.sin(v))
r_exp = _reverse_elementary("exp", np.exp, np.exp)
r_log = _reverse_elementary("log", np.log, lambda v: 1.0 / v)
r_tanh = _reverse_elementary("tanh", np.tanh, lambda v: 1.0 - np.tanh(v) ** 2)


def _neuron(w, x, b):
    t = np.tanh(w * x + b)
    return ((1 - t * t) * x, (1 - t * t) * w, 1 - t * t)


def _fraction(x1, x2):
    u, w = np.exp(x1 - x2), 1 + x1 * x2
    return (u / w - u * x2 / w**2, -u / w - u * x1 / w**2)


def _shared_product(x, y, z):
    xy = x * y
    return xy * z + r_sin(xy)


# Scalar functions of several numbers, for reverse mode, with their partial derivatives.
REVERSE = (
    FnOfArgs("ln(x1) + x1 x2 - sin(x2) (reverse-ready)", lambda x1, x2: r_log(x1) + x1 * x2 - r_sin(x2),
             lambda x1, x2: (1 / x1 + x2, x1 - np.cos(x2)), domain=(0.5, 3.0), shape=(1, 2)),
    FnOfArgs("x y z + sin(x y)", _shared_product,
             lambda x, y, z: (y * z + y * np.cos(x * y), x * z + x * np.cos(x * y), x * y),
             shape=(1, 3)),
    FnOfArgs("exp(x1 - x2) / (1 + x1 x2)", lambda x1, x2: r_exp(x1 - x2) / (1 + x1 * x2), _fraction,
             domain=(0.5, 2.0), shape=(1, 2)),
    FnOfArgs("tanh(w x + b)", lambda w, x, b: r_tanh(w * x + b), _neuron, shape=(1, 3)),
    FnOfArgs("x**3 - 2 x y + y**2", lambda x, y: x**3 - 2 * x * y + y**2,
             lambda x, y: (3 * x**2 - 2 * y, 2 * y - 2 * x), shape=(1, 2)),
    FnOfArgs("x1 x2 + x2 x3 + x3 x4 + x4 x5",
             lambda x1, x2, x3, x4, x5: x1 * x2 + x2 * x3 + x3 * x4 + x4 * x5,
             lambda x1, x2, x3, x4, x5: (x2, x1 + x3, x2 + x4, x3 + x5, x4), shape=(1, 5)),
    FnOfArgs("x tanh(x) - log(x)", lambda x: x * r_tanh(x) - r_log(x),
             lambda x: (np.tanh(x) + x * (1 - np.tanh(x) ** 2) - 1 / x,), domain=(0.5, 2.0),
             shape=(1, 1)),
)

#: The function of Table 3 of Baydin et al. (2018), f(x1, x2) = ln(x1) + x1 x2 - sin(x2),
#: called as f(x1, x2) (reverse-ready).
TABLE3 = REVERSE[0]


# Graphs built from the constructor alone: each returns (output, the nodes whose
# gradients are read back). Sizes are arguments so that one test can be large.

def _node(var_class, value, *pairs):
    return var_class(float(value), tuple((p, float(d)) for p, d in pairs))


def _random_graph(var_class, size, seed):
    """A random graph of `size` operations (a + b, a * b, sin(a) + b, c a) on three inputs:
    a among the last three nodes (so the graph is deep), b among all (so nodes are shared)."""
    rng = np.random.default_rng(seed)
    nodes = [var_class(float(v)) for v in rng.uniform(-1.5, 1.5, 3)]
    for _unused in range(size):
        a = nodes[len(nodes) - 1 - int(rng.integers(0, 3))]
        b = nodes[int(rng.integers(0, len(nodes)))]
        kind = rng.integers(0, 4)
        if kind == 0:
            nodes.append(_node(var_class, a.value + b.value, (a, 1.0), (b, 1.0)))
        elif kind == 1:
            nodes.append(_node(var_class, a.value * b.value, (a, b.value), (b, a.value)))
        elif kind == 2:
            nodes.append(_node(var_class, np.sin(a.value) + b.value, (a, np.cos(a.value)), (b, 1.0)))
        else:
            c = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.8, 1.6))
            nodes.append(_node(var_class, c * a.value, (a, c)))
    return nodes[-1], nodes


def _reused_graph(var_class, size, seed):
    """x used twice in one product and again in a sum, then the result squared: the
    gradients of x and y must add up the contributions of every use."""
    x = var_class(float(1 + seed % 3) / 2)
    xx = _node(var_class, x.value * x.value, (x, x.value), (x, x.value))
    y = _node(var_class, xx.value + x.value, (xx, 1.0), (x, 1.0))
    z = _node(var_class, y.value * y.value, (y, y.value), (y, y.value))
    return z, [x, xx, y, z]


def _chain(var_class, size, seed):
    """A chain of `size` scalings, x -> a1 x -> a2 a1 x -> ...: as deep as it is long."""
    x = var_class(0.5)
    node, watched = x, [x]
    for k in range(size):
        a = 1.0 + 0.01 * np.sin(k + seed)
        node = _node(var_class, a * node.value, (node, a))
        if k % 1000 == 0:
            watched.append(node)
    return node, watched + [node]


def _doubling_paths(var_class, size, seed):
    """v -> 0.5 v + 0.5 v repeated `size` times: 3 size nodes, 2**size paths from the
    output to x, d output / dx = 1."""
    x = var_class(1.0 + 0.1 * seed)
    node = x
    for _unused in range(size):
        left = _node(var_class, 0.5 * node.value, (node, 0.5))
        right = _node(var_class, 0.5 * node.value, (node, 0.5))
        node = _node(var_class, left.value + right.value, (left, 1.0), (right, 1.0))
    return node, [x, node]


def _table3_trace(var_class, size, seed):
    """The evaluation trace of Table 3 of Baydin et al. at (2, 5): v-1, v0, v1, ..., v5."""
    v_1, v0 = var_class(2.0), var_class(5.0)
    v1 = _node(var_class, np.log(v_1.value), (v_1, 1 / v_1.value))
    v2 = _node(var_class, v_1.value * v0.value, (v_1, v0.value), (v0, v_1.value))
    v3 = _node(var_class, np.sin(v0.value), (v0, np.cos(v0.value)))
    v4 = _node(var_class, v1.value + v2.value, (v1, 1.0), (v2, 1.0))
    v5 = _node(var_class, v4.value - v3.value, (v4, 1.0), (v3, -1.0))
    return v5, [v_1, v0, v1, v2, v3, v4, v5]


GRAPHS = {"random": _random_graph, "reused": _reused_graph, "chain": _chain,
          "doubling paths": _doubling_paths, "table 3": _table3_trace}


def _grads(nodes) -> np.ndarray:
    values = []
    for node in nodes:
        if _is_node(node.grad):
            raise TypeError(_("a node's .grad is a Var: gradients are numbers (accumulate "
                              "node.grad * local_derivative, both floats)"))
        values.append(float(node.grad))
    return np.array(values)


def _backward_program(args):
    """(Var, backward, graph, size, seed, calls): build the graph, call backward on its
    output `calls` times, return the gradients of its watched nodes as an array."""
    var_class, backward, graph, size, seed, calls = args
    output, watched = GRAPHS[graph](var_class, size, seed)
    for _unused in range(calls):
        backward(output)
    return _grads(watched)


# One operation, read back without any backward pass: the partial derivative of the
# result with respect to each operand is the sum, over the paths from the result to the
# operand, of the products of the local derivatives (the chain rule, path by path:
# exponential in general, and fine for the few nodes of one operation).

OPERATIONS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
              "**": operator.pow}


def _local_number(local, node):
    if _is_node(local):
        raise TypeError(_("a local derivative recorded in {node} is a Var: record a float (d node / d parent "
                          "as a number, e.g. other.value, not other)").format(node=f"{node!r:.60}"))
    return float(local)


def _by_paths(output, leaf, limit=10_000) -> float:
    total, stack, steps = 0.0, [(output, 1.0)], 0
    while stack:
        node, product = stack.pop()
        steps += 1
        if steps > limit:
            raise ValueError(_("one operation created a graph with too many paths"))
        if node is leaf:
            total += product
            continue
        for parent, local in node.parents:
            if not _is_node(parent):
                raise TypeError(_("a parent recorded in {node} is {parent}, not a node: parents are the Vars an "
                                  "operation used (a number operand is a constant, not a parent)").format(
                                      node=f"{node!r:.60}", parent=f"{parent!r:.40}"))
            stack.append((parent, product * _local_number(local, node)))
    return total


def _operand(var_class, spec, other=None):
    if spec == "same":
        return other
    if isinstance(spec, tuple) and spec and spec[0] == "var":
        return var_class(float(spec[1]))
    return spec


def _result(out, what: str, inputs) -> np.ndarray:
    """[value, grad before any backward, d out / d input for each Var input]."""
    if not _is_node(out):
        raise TypeError(_("{what} returned {value}, not a Var: an operation on a Var creates a new node with "
                          "its parents").format(what=what, value=f"{out!r:.60}"))
    return np.array([float(out.value), float(out.grad)] + [_by_paths(out, x) for x in inputs])


def _operation_program(args):
    """(Var, op, a, b): a op b with each operand a number, ("var", value) or, for b,
    "same" (the same Var as a); op "neg" is -a."""
    var_class, op, a, b = args
    left = _operand(var_class, a)
    right = None if op == "neg" else _operand(var_class, b, left)
    out = -left if op == "neg" else OPERATIONS[op](left, right)
    inputs = [v for v in (left, right) if _is_node(v)]
    unique = [v for i, v in enumerate(inputs) if all(v is not u for u in inputs[:i])]
    return _result(out, _("the operation {operation}").format(operation=op), unique)


def _elementary_program(args):
    """(Var, function, x): [value, grad, d f / dx] of f(Var(x)) for x = ("var", value),
    or [f(x)] for a float x."""
    var_class, function, x = args
    if isinstance(x, tuple):
        leaf = var_class(float(x[1]))
        return _result(function(leaf), getattr(function, "__name__", _("the function")), [leaf])
    return np.array([float(function(x))])


def _binary_program(args):
    """(Var, function, a, b): [value, grad, d out / d input for each Var input] of
    function(a, b), each operand a number or ("var", value), b possibly "same" (a itself)."""
    var_class, function, a, b = args
    left = _operand(var_class, a)
    right = _operand(var_class, b, left)
    inputs = [v for v in (left, right) if _is_node(v)]
    unique = [v for i, v in enumerate(inputs) if all(v is not u for u in inputs[:i])]
    out = function(left, right)
    if not unique:  # two numbers: their maximum, as a number or in a Var (both are right)
        return np.array([float(out.value if _is_node(out) else out)])
    return _result(out, getattr(function, "__name__", _("the function")), unique)


def _unchanged(now, kept) -> bool:
    """`now` is still the list `kept` was a copy of: as long, each item of the same type and
    equal to it (floats compared as floats, never by a student's own `==`)."""
    return (type(now) is list and len(now) == len(kept)
            and all(type(a) is type(b) and a == b for a, b in zip(now, kept)))


def _training_program(args):
    """(function, params, data, positional, keywords, count): function(params, data,
    *positional, **keywords) with params a list of floats and data a list of (x1, x2, y)
    tuples of floats, returned as (its answer, params left unchanged, data left unchanged,
    calls of `backward`). With `count`, the calls of the `backward` that the function's
    module defines (for a notebook: the answer of the exercise `backward`, which
    `Var.backward()` calls too) are counted during the call; None when it has none."""
    function, params, data, positional, keywords, count = args
    params = [float(p) for p in params]
    data = [tuple(float(v) for v in point) for point in data]
    kept_params, kept_data = list(params), list(data)
    names = getattr(function, "__globals__", None) if count else None
    original = names.get("backward") if isinstance(names, dict) else None
    calls = [0]
    if callable(original):
        def counted(*a, **k):
            calls[0] += 1
            return original(*a, **k)
        names["backward"] = counted
    try:
        answer = function(params, data, *positional, **dict(keywords))
    finally:
        if callable(original):
            names["backward"] = original
    return (answer, _unchanged(params, kept_params), _unchanged(data, kept_data),
            calls[0] if callable(original) else None)


def _program(name: str, run: Callable) -> Fn:
    return Fn(name, run, df=None)


BACKWARD_PROGRAM = _program("backward on a graph (reverse-ready program)", _backward_program)
OPERATION_PROGRAM = _program("one operation on Vars (reverse-ready program)", _operation_program)
ELEMENTARY_PROGRAM = _program("an elementary function of a Var (reverse-ready program)",
                              _elementary_program)
BINARY_PROGRAM = _program("a function of two Vars (reverse-ready program)", _binary_program)
TRAINING_PROGRAM = _program("a training function on lists, its inputs checked after the call "
                            "(reverse-ready program)", _training_program)
