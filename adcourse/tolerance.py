"""The tolerance policy: the one place where "close enough" is defined.

Every check (visible tests, hidden tests, the tests of the references) names a policy
from `POLICIES` instead of writing its own literal, so that a tolerance can be
reasoned about, and changed, in one place.

A value `got` passes against `expected` when, elementwise,

    |got - expected| <= atol + rtol * |expected|

(NumPy's `allclose` rule). The reported figure is the relative error
max |got - expected| / max(|got|, |expected|, atol), which is what students are
taught in chapter 01 (`relative_error`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    name: str
    rtol: float
    atol: float
    why: str

    def close(self, got, expected) -> np.ndarray:
        """Elementwise pass/fail (NaN never passes, equal infinities do)."""
        got = np.asarray(got)
        expected = np.asarray(expected)
        return np.isclose(got, expected, rtol=self.rtol, atol=self.atol, equal_nan=False)

    def relative_error(self, got, expected) -> float:
        got = np.asarray(got, dtype=complex if np.iscomplexobj(got) else float)
        expected = np.asarray(expected, dtype=complex if np.iscomplexobj(expected) else float)
        if got.size == 0:
            return 0.0
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.maximum(np.maximum(np.abs(got), np.abs(expected)), self.atol)
            err = np.abs(got - expected) / scale
        return float(np.max(err)) if not np.isnan(err).any() else float("nan")


POLICIES = {
    policy.name: policy
    for policy in (
        Tolerance(
            "exact", rtol=1e-10, atol=1e-12,
            why="exact methods (complex step, AD, closed forms): only round-off may differ",
        ),
        Tolerance(
            "finite_difference", rtol=1e-6, atol=1e-9,
            why="a finite difference against the same difference computed another way, "
                "or a central difference against the true derivative",
        ),
        Tolerance(
            "first_order", rtol=1e-4, atol=1e-5,
            why="a first-order (forward) difference with its default step against the "
                "true derivative: truncation error h |f''| / 2",
        ),
        Tolerance(
            "symbolic", rtol=1e-8, atol=1e-9,
            why="two expressions equal as functions but written differently (a derivative "
                "simplified or not), evaluated in floating point: each form rounds "
                "differently, and cancellation in one form can cost a few digits",
        ),
        Tolerance(
            "same_value", rtol=1e-13, atol=1e-15,
            why="two computations that must agree to the last few bits "
                "(e.g. an input that must not be modified)",
        ),
    )
}


def policy(name: str | Tolerance) -> Tolerance:
    """The policy called `name` (a `Tolerance` is returned as it is)."""
    if isinstance(name, Tolerance):
        return name
    try:
        return POLICIES[name]
    except KeyError:
        raise KeyError(f"unknown tolerance policy {name!r}; known: {', '.join(POLICIES)}") from None
