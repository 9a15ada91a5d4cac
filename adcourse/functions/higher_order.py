"""Programs of chapter 08, run where the student's function lives (see `in_kernel`).

`SECOND` are scalar functions of a sequence of the chapter's Vars (adcourse.higher_order),
each with its Hessian written out by hand (`df`). `HVP_PROGRAM` and `HESSIAN_PROGRAM` call
a student's `hvp` or `hessian` on one of them and count how many times it calls f;
`CHECKPOINT_PROGRAM` gives a `checkpointed_grad` the chapter's recurrence with a step
that counts its calls and the states alive when it and its VJP run. What they return is
data: numbers, or the name of the type of an answer that is not numbers.
"""
from __future__ import annotations

import tracemalloc

import numpy as np

from adcourse import higher_order as ho

from .scalar import Fn

__all__ = ["CHECKPOINT_PROGRAM", "HESSIAN_PROGRAM", "HVP_PROGRAM", "SECOND"]


def _rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def _rosenbrock_hessian(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


def _mixed(x):
    """sin(x0) x1 + exp(x0 x1)."""
    return ho.sin(x[0]) * x[1] + ho.exp(x[0] * x[1])


def _mixed_hessian(x):
    a, b = float(x[0]), float(x[1])
    e = np.exp(a * b)
    return np.array([[-np.sin(a) * b + b * b * e, np.cos(a) + e * (1 + a * b)],
                     [np.cos(a) + e * (1 + a * b), a * a * e]])


def _quadratic(x):
    """sum_i (i + 1) x_i^2 + sum_i x_i x_(i+1): a constant Hessian."""
    n = len(x)
    return sum((i + 1) * x[i] * x[i] for i in range(n)) + sum(x[i] * x[i + 1] for i in range(n - 1))


def _quadratic_hessian(x):
    n = len(x)
    return np.diag(2.0 * np.arange(1, n + 1)) + np.eye(n, k=1) + np.eye(n, k=-1)


def _log_tanh(x):
    """log(1 + x0^2) tanh(x1): a product of functions of one variable each."""
    return ho.log(1 + x[0] * x[0]) * ho.tanh(x[1])


def _log_tanh_hessian(x):
    a, b = float(x[0]), float(x[1])
    t, s2 = np.tanh(b), 1 - np.tanh(b) ** 2
    return np.array([[2 * (1 - a * a) / (1 + a * a) ** 2 * t, 2 * a / (1 + a * a) * s2],
                     [2 * a / (1 + a * a) * s2, -2 * np.log(1 + a * a) * t * s2]])


def _cube(x):
    """x0^3: one variable."""
    return x[0] * x[0] * x[0]


SECOND = (
    Fn("rosenbrock (engine)", _rosenbrock, _rosenbrock_hessian, (-1.5, 1.5)),
    Fn("sin(x0) x1 + exp(x0 x1) (engine)", _mixed, _mixed_hessian, (-1.0, 1.0), (1, 2)),
    Fn("a quadratic with a tridiagonal Hessian (engine)", _quadratic, _quadratic_hessian),
    Fn("log(1 + x0^2) tanh(x1) (engine)", _log_tanh, _log_tanh_hessian, (-1.5, 1.5), (1, 2)),
    Fn("x0^3 (engine)", _cube, lambda x: np.array([[6.0 * float(x[0])]]), (-2.0, 2.0), (1, 1)),
)


def _numbers(answer):
    """(the answer as a float array, "") or (None, the type of what it holds)."""
    try:
        values = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        items = answer if isinstance(answer, (list, tuple)) and answer else [answer]
        return None, type(items[0]).__name__
    return values, ""


def _counted(f):
    calls = [0]

    def f_counted(x):
        calls[0] += 1
        return f(x)
    return f_counted, calls


def _hvp_program(args):
    """(hvp, f, x, v): (answer as floats or None, what it holds instead, calls of f)."""
    function, f, x, v = args
    f_counted, calls = _counted(f)
    values, held = _numbers(function(f_counted, np.array(x, dtype=float), np.array(v, dtype=float)))
    return values, held, calls[0]


def _hessian_program(args):
    """(hessian, f, x): (answer as floats or None, what it holds instead, calls of f)."""
    function, f, x = args
    f_counted, calls = _counted(f)
    values, held = _numbers(function(f_counted, np.array(x, dtype=float)))
    return values, held, calls[0]


def _checkpoint_program(args):
    """(checkpointed_grad, x0, n, every, a): the student's answer on the chapter's recurrence
    with `a` (so an answer that calls `recurrence_step` itself instead of the step it is
    given gets other values),
    as (answer, what it holds instead, most states alive at a call of step or dstep, the
    peak bytes the call allocated beyond what was there before, calls of step). x0 a list
    (an array of states counted with weak references and in tracemalloc's peak, copies
    included) or a float (only the steps counted)."""
    function, x0, n, every, a = args
    counted = ho.CountedRecurrence(timeline=False, a=a)
    start = counted.born(np.array(x0, dtype=float)) if isinstance(x0, list) else float(x0)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    try:
        answer = function(counted.step, counted.dstep, start, n, every)
    finally:
        # A call that stopped tracing has no peak to read: it counts as unbounded.
        peak = tracemalloc.get_traced_memory()[1] - before if tracemalloc.is_tracing() else -1
        if not tracing:
            tracemalloc.stop()
    del start
    counts = counted.most, peak, counted.steps
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return (None, type(answer).__name__, *counts)
    grad, held = _numbers(answer[0])
    x_n, held_n = _numbers(answer[1])
    if grad is None or x_n is None:
        return (None, held or held_n, *counts)
    return ((grad, x_n), "", *counts)


def _program(name, run):
    return Fn(name, run, df=None)


HVP_PROGRAM = _program("hvp on an engine function, its calls of f counted (program)", _hvp_program)
HESSIAN_PROGRAM = _program("hessian on an engine function, its calls of f counted (program)", _hessian_program)
CHECKPOINT_PROGRAM = _program("checkpointed_grad on the chapter's recurrence, its states and steps counted "
                              "(program)", _checkpoint_program)
