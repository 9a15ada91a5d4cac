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


class FnOfArgs(Fn):
    """A catalogue function of several numbers, called as f(x1, ..., xn); `df` gives the
    tuple of its partial derivatives and `shape` is (1, n)."""

    def __call__(self, *args):
        return self.f(*args)


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


# --- Derivatives and difference rules, as arguments (tests of chapter 01) -------------------
#
# Some exercises take a derivative or a difference rule as an argument: step_errors(f, df,
# x, hs, method), gradient_check(f, grad_f, x). Being catalogue functions, these run where
# the exercise runs (in a graded kernel, without a round trip to the grader per call).
# None of them is an exercise: the rules are the backward difference and the five-point
# stencil; the gradients are right, doubled, or shifted (wrong on purpose).

def five_point(f, x, h):
    """The five-point stencil (-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)) / (12h)."""
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def backward_difference(f, x, h):
    """The backward difference (f(x) - f(x-h)) / h."""
    return (f(x) - f(x - h)) / h


RULES = (FnOfArgs("the five-point stencil", five_point, df=None),
         FnOfArgs("the backward difference", backward_difference, df=None))


def _scaled(df, scale: float, shift: float):
    return lambda x: scale * df(x) + shift


#: The derivative of each scalar function, as a function of its own.
DERIVATIVES = tuple(Fn(f"derivative of {fn.name}", fn.df, df=None, domain=fn.domain) for fn in SCALAR)
#: Right and deliberately wrong gradients of each function of GRADIENT.
GRADIENTS = tuple(Fn(name.format(fn.name), _scaled(fn.df, scale, shift), df=None, domain=fn.domain)
                  for fn in GRADIENT
                  for name, scale, shift in (("gradient of {}", 1.0, 0.0),
                                             ("(2 * gradient of {})", 2.0, 0.0),
                                             ("(gradient of {} + 0.001)", 1.0, 1e-3)))


def derivative_of(fn: Fn) -> Fn:
    """The catalogue's function for the derivative of the scalar function `fn`."""
    return DERIVATIVES[SCALAR.index(fn)]


def gradient_of(fn: Fn, scale: float = 1.0, shift: float = 0.0) -> Fn:
    """The catalogue's gradient of `fn` (a function of GRADIENT): right, doubled (scale 2)
    or shifted by 1e-3."""
    variants = {(1.0, 0.0): 0, (2.0, 0.0): 1, (1.0, 1e-3): 2}
    return GRADIENTS[3 * GRADIENT.index(fn) + variants[(scale, shift)]]


#: Every function of the catalogue: what may cross to a student's kernel by name.
CATALOGUE = SCALAR + GRADIENT + JACOBIAN + RULES + DERIVATIVES + GRADIENTS


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


# --- Reverse-ready functions and programs (chapter 04) ------------------------------------
#
# They work on floats and on any node class with `value`, `parents` and a constructor
# Var(value, parents) (a student's own). The elementary functions and the graphs of the
# programs below create their nodes with that constructor only, recording each local
# derivative themselves: a test of `backward` depends on the student's `backward`, never on
# their operators or elementary functions. The functions of several variables use only
# Var + Var, Var - Var, Var * Var, Var / Var, Var ** number, and + and * with a number on
# either side.

import operator  # noqa: E402 (this section's own import, kept beside its use)


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
    for _ in range(size):
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
    for _ in range(size):
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
            raise TypeError("a node's .grad is a Var: gradients are numbers (accumulate "
                            "node.grad * local_derivative, both floats)")
        values.append(float(node.grad))
    return np.array(values)


def _backward_program(args):
    """(Var, backward, graph, size, seed, calls): build the graph, call backward on its
    output `calls` times, return the gradients of its watched nodes as an array."""
    var_class, backward, graph, size, seed, calls = args
    output, watched = GRAPHS[graph](var_class, size, seed)
    for _ in range(calls):
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
        raise TypeError(f"a local derivative recorded in {node!r:.60} is a Var: record a float "
                        "(d node / d parent as a number, e.g. other.value, not other)")
    return float(local)


def _by_paths(output, leaf, limit=10_000) -> float:
    total, stack, steps = 0.0, [(output, 1.0)], 0
    while stack:
        node, product = stack.pop()
        steps += 1
        if steps > limit:
            raise ValueError("one operation created a graph with too many paths")
        if node is leaf:
            total += product
            continue
        for parent, local in node.parents:
            if not _is_node(parent):
                raise TypeError(f"a parent recorded in {node!r:.60} is {parent!r:.40}, not a node: "
                                "parents are the Vars an operation used (a number operand is "
                                "a constant, not a parent)")
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
        raise TypeError(f"{what} returned {out!r:.60}, not a Var: an operation on a Var "
                        "creates a new node with its parents")
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
    return _result(out, f"the operation {op}", unique)


def _elementary_program(args):
    """(Var, function, x): [value, grad, d f / dx] of f(Var(x)) for x = ("var", value),
    or [f(x)] for a float x."""
    var_class, function, x = args
    if isinstance(x, tuple):
        leaf = var_class(float(x[1]))
        return _result(function(leaf), getattr(function, "__name__", "the function"), [leaf])
    return np.array([float(function(x))])


def _program(name: str, run: Callable) -> Fn:
    return Fn(name, run, df=None)


BACKWARD_PROGRAM = _program("backward on a graph (reverse-ready program)", _backward_program)
OPERATION_PROGRAM = _program("one operation on Vars (reverse-ready program)", _operation_program)
ELEMENTARY_PROGRAM = _program("an elementary function of a Var (reverse-ready program)",
                              _elementary_program)

CATALOGUE = CATALOGUE + REVERSE + (BACKWARD_PROGRAM, OPERATION_PROGRAM, ELEMENTARY_PROGRAM)

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
