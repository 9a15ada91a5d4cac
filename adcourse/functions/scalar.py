"""The catalogue's functions of numbers and arrays, with their derivatives (chapter 01).

The numbers, gradients and Jacobians of chapter 01's tests; `Fn` is what every section
of the catalogue is made of.
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

    def __call__(self, *args, **kwargs):
        return self.f(*args, **kwargs)  # method(f, x, h=h) as well as method(f, x, h)


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
