"""The catalogue's functions for dual numbers (chapter 03).

Each works on floats and arrays, and on any dual-number class with `value`, `tangent`
and a constructor Dual(value, tangent) (a student's own): an elementary function maps
a + a'd to f(a) + f'(a) a' d itself, so a test of `derivative` depends on the
student's Dual, never on their elementary functions. Only Dual + Dual, Dual * Dual,
Dual / Dual, -Dual, Dual ** number, and Dual + number, Dual * number on either side
are used.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from adcourse.i18n import _

from .scalar import Fn, FnOfArgs, _j_polar, _j_poly, _sech2


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
    """The entries of a 1-D array, or of a Dual whose value is a 1-D array (as Duals of
    floats). The tangent is a 1-D array of the same length, or an (n, k) array whose row i
    holds the k tangents of entry i (vector mode: k directions in one pass)."""
    if _is_dual(x):
        value = np.asarray(x.value)
        tangent = np.asarray(x.tangent)
        if not (tangent.ndim == value.ndim + 1 and tangent.shape[:1] == value.shape):
            tangent = np.broadcast_to(x.tangent, value.shape)
        return [type(x)(value[i], tangent[i]) for i in range(value.shape[0])]
    return list(x)


def stack(items: list):
    """A 1-D array of the items, or a Dual of 1-D arrays when some items are Duals (its
    tangent (m, k) when theirs are k-vectors)."""
    duals = [i for i in items if _is_dual(i)]
    if not duals:
        return np.array(items, dtype=float)
    shape = np.broadcast_shapes(*(np.shape(i.tangent) for i in duals))
    return type(duals[0])(np.array([i.value if _is_dual(i) else i for i in items], dtype=float),
                          np.array([np.broadcast_to(i.tangent if _is_dual(i) else 0.0, shape) for i in items],
                                   dtype=float))


def _vector_mode_program(args):
    """(jacobian_vector_mode, f, x): its Jacobian, refused unless f was called once (one
    forward pass carries every direction)."""
    function, f, x = args
    calls = [0]

    def counted(z):
        calls[0] += 1
        return f(z)
    jacobian = function(counted, x)
    if calls[0] != 1:
        raise ValueError(_("f was called {count} times: vector mode computes the whole Jacobian in one "
                           "forward pass, on one Dual whose tangent holds the n directions (the identity), "
                           "not n passes").format(count=calls[0]))
    return np.asarray(jacobian, dtype=float)


VECTOR_MODE_PROGRAM = Fn("vector-mode Jacobian of a dual-ready function (forward-ready program)",
                         _vector_mode_program, df=None)


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



def _nested_program(args):
    """(derivative_tagged, program, x0): program(derivative_tagged, x0), which must be a
    number (the outermost call has no outer call to hand a dual number to)."""
    derivative, program, x0 = args
    result = program(derivative, x0)
    if _is_dual(result) or not isinstance(result, (int, float, np.ndarray, np.generic)) or np.ndim(result) != 0:
        raise ValueError(_("the outermost call returned {value}, not a number: with no call outside it, its "
                           "derivative is a plain number").format(value=f"{result!r:.100}"))
    return float(result)


NESTED_PROGRAM = Fn("nested derivatives of the student's derivative_tagged (forward-ready program)",
                    _nested_program, df=None)

# Programs of nested derivatives: each takes a derivative function D (a student's
# derivative_tagged) and a point x0, and returns a number built from + - * and calls of D;
# `df` gives the exact result, with D the true derivative. Their names say what they compute.
NESTED = (
    FnOfArgs("d/dx [x * d/dy (x + y) at y = 1]",
             lambda D, x: D(lambda u: u * D(lambda v: u + v, 1.0), x), lambda x: 1.0 + 0 * x),
    FnOfArgs("d/dx [x * d/dy (x * y) at y = 2]",
             lambda D, x: D(lambda u: u * D(lambda v: u * v, 2.0), x), lambda x: 2 * x),
    FnOfArgs("d/dx [d/dy (y * y * y - y * x) at y = x]",
             lambda D, x: D(lambda u: D(lambda v: v * v * v - v * u, u), x), lambda x: 6 * x - 1),
    FnOfArgs("d/dx [d/dy (y * y * x) at y = x] * x",
             lambda D, x: D(lambda u: D(lambda v: v * v * u, u) * u, x), lambda x: 6 * x ** 2),
    FnOfArgs("d/dx [d/dy (x * y * y + y * x * x) at y = 1.5]",
             lambda D, x: D(lambda u: D(lambda v: u * v * v + v * u * u, 1.5), x), lambda x: 3 + 2 * x),
    FnOfArgs("d/dx [x * d/dy [y * d/dz (x * y * z) at z = 1] at y = 2]",
             lambda D, x: D(lambda u: u * D(lambda v: v * D(lambda w: u * v * w, 1.0), 2.0), x),
             lambda x: 8 * x),
    FnOfArgs("d/dx [d/dy [d/dz (z * y * x + y * z) at z = y] * y at y = x] - x",
             lambda D, x: D(lambda u: D(lambda v: D(lambda w: w * v * u + v * w, v) * v, u) - u, x),
             lambda x: 4 * x + 1),
    FnOfArgs("d/dx [d/dy (x * x) at y = 1]",
             lambda D, x: D(lambda u: D(lambda v: u * u, 1.0), x), lambda x: 0 * x),
    FnOfArgs("d/dx [x * (1 + d/dy (x * x) at y = 1)]",
             lambda D, x: D(lambda u: u * (1 + D(lambda v: u * u, 1.0)), x), lambda x: 1.0 + 0 * x),
    FnOfArgs("d/dx [d/dy (x * y) at y = 1 + d/dz (z * z + x) at z = x]",
             lambda D, x: D(lambda u: D(lambda v: u * v, 1.0) + D(lambda w: w * w + u, u), x),
             lambda x: 3.0 + 0 * x),
    FnOfArgs("d/dx [2 - x * d/dy ((y - x) * (x - y * y)) at y = x]",
             lambda D, x: D(lambda u: 2 - u * D(lambda v: (v - u) * (u - v * v), u), x),
             lambda x: 3 * x ** 2 - 2 * x),
    FnOfArgs("d/dx (3 x**3 - 2 x + 1)", lambda D, x: D(lambda u: 3 * u * u * u - 2 * u + 1, x),
             lambda x: 9 * x ** 2 - 2),
    FnOfArgs("d/dx (-(x * x) + (2 - x) * x)", lambda D, x: D(lambda u: -(u * u) + (2 - u) * u, x),
             lambda x: 2 - 4 * x),
    FnOfArgs("d/dx 5 (a constant)", lambda D, x: D(lambda u: 5.0, x), lambda x: 0 * x),
    FnOfArgs("d/dx (x - x)", lambda D, x: D(lambda u: u - u, x), lambda x: 0 * x),
    # A number on either side of each operator, on a dual number whose tangent is not 0.
    FnOfArgs("d/dx (1 + x * x)", lambda D, x: D(lambda u: 1 + u * u, x), lambda x: 2 * x),
    FnOfArgs("d/dx ((x - 1) * (x - 1))", lambda D, x: D(lambda u: (u - 1) * (u - 1), x), lambda x: 2 * x - 2),
    FnOfArgs("d/dx ((1 - x) * (3 - x * x))", lambda D, x: D(lambda u: (1 - u) * (3 - u * u), x),
             lambda x: 3 * x ** 2 - 2 * x - 3),
    FnOfArgs("d/dx (x * 3 + (2 + x) * (x + 2))", lambda D, x: D(lambda u: u * 3 + (2 + u) * (u + 2), x),
             lambda x: 2 * x + 7),
    FnOfArgs("d/dx [x * d/dy (1 + y * x - 2) at y = x]",
             lambda D, x: D(lambda u: u * D(lambda v: 1 + v * u - 2, u), x), lambda x: 2 * x),
)
