"""Naming the mistake behind a wrong answer.

`diagnose` compares a student's value with the expected one and, when a typical
mistake explains the difference (a transposed Jacobian, a factor of 2, a flipped
sign, a missing absolute value, a result of the wrong shape), says which, in words
a student can act on. Exercise-specific mistakes (a one-sided difference where a
central one was asked for, ...) are `Mistake`s listed by the chapter's cases module
and recognised by reproducing them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .i18n import N_, _
from .tolerance import Tolerance


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: `fn` computes what the mistake would return.

    The description is a message of the grader's catalogue (extracted as the first
    argument of `Mistake`), translated where it is shown."""

    description: str
    fn: Callable
    fields: Mapping = field(default_factory=dict)  # values of the description's {names}

    def said(self) -> str:
        """The description in the current language."""
        return _(self.description).format(**self.fields) if self.fields else _(self.description)


def as_array(value):
    """`value` as a NumPy array, or None when it is not numeric."""
    if value is None or isinstance(value, (str, bytes, dict, set)):
        return None
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        return None
    return array


def diagnose(got, expected, tol: Tolerance) -> str | None:
    """One sentence naming the generic mistake that turns `expected` into `got`, if any."""
    if got is None:
        return _("the function returned None: is a `return` statement missing?")
    g, e = as_array(got), as_array(expected)
    if e is None:
        return None
    if g is None:
        return _("the function returned a {kind}, expected a number or a NumPy array").format(
            kind=type(got).__name__)
    if g.shape != e.shape:
        if g.ndim == 2 and g.shape == e.T.shape and tol.close(g.T, e).all():
            return _("the result is transposed: expected shape {shape} (a Jacobian has one row "
                     "per output and one column per input; a gradient has the shape of its "
                     "variable)").format(shape=e.shape)
        if g.size == e.size and tol.close(g.reshape(e.shape), e).all():
            return _("the values are right but the shape is not: expected shape {expected}, "
                     "got {got}").format(expected=e.shape, got=g.shape)
        return _("wrong shape: expected {expected}, got {got}").format(expected=e.shape, got=g.shape)
    if np.isnan(g).any() and not np.isnan(e).any():
        return _("the result contains NaN (a division 0/0, or the log or sqrt of a negative number?)")
    if np.isinf(g).any() and not np.isinf(e).any():
        return _("the result contains an infinity (a division by zero?)")
    if not np.any(e):
        return None
    for factor, words in ((2.0, N_("off by a factor of 2 (twice the expected value)")),
                          (0.5, N_("off by a factor of 2 (half the expected value)")),
                          (-1.0, N_("the sign is flipped")),
                          (1.0 / 3.0, N_("off by a factor of 3 (a third of the expected value)")),
                          (3.0, N_("off by a factor of 3 (three times the expected value)"))):
        if tol.close(g, factor * e).all():
            return _(words)
    if np.iscomplexobj(g) and tol.close(g.imag, e).all():
        return _("the result is complex: the derivative is its imaginary part")
    if np.iscomplexobj(g) and tol.close(g.real, e).all():
        return _("the result is complex, and its real part is right: return np.real of it")
    if (e >= 0).all() and not (g >= 0).all() and tol.close(np.abs(g), e).all():
        return _("the sizes are right but some signs are not: absolute values (np.abs) are expected")
    return None


def _nan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a) if np.issubdtype(a.dtype, np.inexact) else np.zeros(a.shape, dtype=bool)


def recognise(got, mistakes, call, tol: Tolerance, expected) -> str | None:
    """The description of the first `Mistake` whose result `got` reproduces.

    `call(fn)` evaluates a mistake on fresh copies of the inputs. A mistake that gives
    the right answer on this input, or fails on it, explains nothing.
    """
    g = as_array(got)
    if g is None:
        return None
    for mistake in mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = as_array(call(mistake.fn))
        except Exception:
            continue
        if wrong is None or wrong.shape != g.shape:
            continue
        with np.errstate(all="ignore"):
            if wrong.shape == np.shape(expected) and tol.close(wrong, expected).all():
                continue
            # reproduced: the same numbers, NaN where the answer has NaN (0 * log of a negative)
            if (tol.close(g, wrong) | (_nan(g) & _nan(wrong))).all():
                return mistake.said()
    return None
