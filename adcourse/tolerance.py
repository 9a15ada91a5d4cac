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
    #: NaN passes where NaN is expected (a value that is defined to be NaN, such as what
    #: `evaluate` gives for log(-1)); otherwise NaN never passes.
    nan_is_a_value: bool = False

    def close(self, got, expected) -> np.ndarray:
        """Elementwise pass/fail (NaN never passes unless the policy makes it a value; equal
        infinities do)."""
        got = np.asarray(got)
        expected = np.asarray(expected)
        return np.isclose(got, expected, rtol=self.rtol, atol=self.atol, equal_nan=self.nan_is_a_value)

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
            "relative", rtol=1e-10, atol=1e-300,
            why="exact values that span every magnitude (softplus from e^-745 to 1e308): relative "
                "to the value everywhere, so that 0 for e^-40 is an error, not a rounding",
        ),
        Tolerance(
            "finite_difference", rtol=1e-6, atol=1e-9,
            why="a finite difference against the same difference computed another way, "
                "or a central difference against the true derivative",
        ),
        Tolerance(
            "second_difference", rtol=1e-6, atol=1e-7,
            why="a second difference against the same difference computed another way: its "
                "round-off is about u |f| / h^2, 5e-9 for |f| ~ 1 at h = 1e-4, so an entry that is "
                "0 in exact arithmetic comes out anywhere within a few 1e-9 of 0",
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
            "as_evaluated", rtol=1e-8, atol=1e-9, nan_is_a_value=True,
            why="what `evaluate` computes, where it is inf or NaN too (x / 0, log(0), log(-1), "
                "(-8) ** (1/3)): the symbolic policy, with NaN expected and given counted as equal",
        ),
        Tolerance(
            "objective", rtol=1e-9, atol=1e-12,
            why="an objective value computed by two programs (sums taken in another "
                "order), or two successive values of a descent method once it has converged",
        ),
        Tolerance(
            "optimality", rtol=0.0, atol=1e-6,
            why="the residual of the lasso's optimality conditions, divided by lam, at the "
                "last iterate of ISTA or FISTA after the hidden tests' few hundred steps: "
                "1e-12 with a step 1/L on their problems, about 1e-7 with a backtracking "
                "step (halving a step loses digits), 1e-2 or more when something is wrong",
        ),
        Tolerance(
            "iterates", rtol=1e-7, atol=1e-10,
            why="the iterates of one method computed by two programs: round-off grows over "
                "hundreds of steps (how a typical mistake is recognised)",
        ),
        Tolerance(
            "subgradient_gap", rtol=0.0, atol=0.05,
            why="the subgradient method's objective gap F(x) - F* as a fraction of the "
                "initial gap F(0) - F*, after a few hundred steps step0/sqrt(k+1): it "
                "converges like 1/sqrt(k), so only a loose bound holds (about 1e-2 reached)",
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
