"""The checks of chapter 07_nonsmooth's lasso solvers (`ista`, `fista`, `subgradient_method`).

A hidden-test problem is a `Lasso`: the data, lam, the keyword arguments of the call and
the check that judges the answer. `failure` says what is wrong with an answer
(x, objectives), or returns None: the pair is well formed, objectives[0] = F(0) and
objectives[-1] = F(x), ISTA with a step at most 1/L never increases F, and then

    "optimal"  x satisfies the lasso's optimality conditions (0 in dF(x)), up to the
               'optimality' tolerance;
    "faster"   on a badly conditioned problem FISTA's gap F(x) - F* is at most FASTER
               times the gap ISTA leaves after as many steps;
    "near"     the subgradient method's gap is a small fraction of the initial gap;
    "same"     with lam = 0 every subgradient choice gives the same iterates (gradient
               descent with steps step0/sqrt(k+1)): objectives equal the reference's.

ISTA's and FISTA's recursions, which the notebook fixes, fix their objectives too: they
must equal the reference's, whatever the check (`_recursion_failure`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from adcourse.diagnostics import as_array
from adcourse.i18n import N_, _
from adcourse.nonsmooth import lam_max, lasso_objective, lasso_problem, optimality_residual
from adcourse.tolerance import policy
from autograder.reference import nonsmooth as ref

#: FISTA's gap must be at most this fraction of ISTA's after as many steps on a badly
#: conditioned problem (their bounds, O(1/k^2) against O(1/k), differ by about 1/50 at
#: k = 200; the reference reaches 1e-4 of ISTA's gap, the usual mistakes 0.2 to 1).
FASTER = 0.05
#: Steps of the reference FISTA that estimate F* for the "faster" and "near" checks.
LONG_RUN = 5000


@dataclass
class Lasso:
    """One hidden-test problem: the data, lam, the keyword arguments of the call, the
    check that judges the answer, and what the check needs (F*, ISTA's gap)."""

    A: np.ndarray
    b: np.ndarray
    lam: float
    options: dict = field(default_factory=dict)
    check: str = "optimal"
    label: str = ""
    best: float | None = None
    baseline: float | None = None

    @property
    def steps(self) -> int:
        return self.options.get("steps", 500)

    def __repr__(self) -> str:
        options = "".join(f", {k}={v:.4g}" for k, v in self.options.items())
        return _("A of shape {shape}{label}, b, lam={lam}{options}").format(
            shape=self.A.shape, label=self.label, lam=f"{self.lam:.4g}", options=options)


def problem(seed: int, m: int, n: int, fraction: float, check: str = "optimal",
            correlation: float = 0.0, **options) -> Lasso:
    """A lasso problem with lam = fraction * lam_max (x = 0 solves it when fraction >= 1)."""
    A, b, _x = lasso_problem(m, n, max(1, min(m, n) // 8), 0.1, seed, correlation)
    lam = fraction * lam_max(A, b)
    label = _(", correlated columns ({correlation})").format(correlation=f"{correlation:g}") if correlation else ""
    if options.get("step") == "1/L":
        options["step"] = 1.0 / np.linalg.norm(A, 2) ** 2
    elif options.get("step") == "1/(2L)":
        options["step"] = 0.5 / np.linalg.norm(A, 2) ** 2
    task = Lasso(A, b, lam, options, check, label)
    if check in ("faster", "near"):
        task.best = float(np.min(ref.fista(A, b, lam, steps=LONG_RUN)[1]))
    if check == "faster":
        task.baseline = ref.ista(A, b, lam, steps=task.steps)[1][-1] - task.best
    return task


def _objective_failure(exercise: str, task: Lasso, x, objectives) -> str | None:
    """What is wrong with the shapes and the objectives of an answer, or None."""
    n, steps = task.A.shape[1], task.steps
    if x is None or x.shape != (n,):
        return _("x has shape {shape}; expected ({n},), one coefficient per column of A").format(
            shape=None if x is None else x.shape, n=n)
    if objectives is None or objectives.shape != (steps + 1,):
        return _("objectives has shape {shape}; expected ({count},): F(x_0) at the start x_0 = 0, then "
                 "F(x_k) after each of the {steps} steps").format(
                     shape=None if objectives is None else objectives.shape, count=steps + 1, steps=steps)
    bad = np.flatnonzero(~np.isfinite(objectives))
    if bad.size or not np.isfinite(x).all():
        k = int(bad[0]) if bad.size else steps
        if np.isnan(objectives[k]) and (k == 0 or abs(objectives[k - 1]) < 1e100):
            return _("the objective is nan at step {k}, right after {previous}: a 0/0 in the step (a "
                     "subgradient of |x| computed as x / abs(x) at x = 0?)").format(
                         k=k, previous=objectives[k - 1] if k else _("the start"))
        return _("the objective is {value} at step {k}: the iteration diverged (a step too large for "
                 "L = norm(A, 2)**2, or the gradient's sign flipped?)").format(value=objectives[k], k=k)
    same = policy("objective")
    start = lasso_objective(task.A, task.b, task.lam, np.zeros(n))
    if not same.close(objectives[0], start):
        return _("objectives[0] = {first} but F(x_0) = F(0) = {start}: start at x_0 = 0 and record its "
                 "objective first").format(first=f"{objectives[0]:.10g}", start=f"{start:.10g}")
    final = lasso_objective(task.A, task.b, task.lam, x)
    if not same.close(objectives[-1], final):
        return _("objectives[-1] = {last} but F(x) = {final} for the x returned: the last objective is "
                 "that of the returned x, the last iterate").format(last=f"{objectives[-1]:.10g}",
                                                                    final=f"{final:.10g}")
    step, lipschitz = task.options.get("step"), np.linalg.norm(task.A, 2) ** 2
    if exercise == "ista" and (step is None or step * lipschitz <= 1.0 + 1e-12):
        rises = np.flatnonzero(np.diff(objectives) > same.atol + same.rtol * np.abs(objectives[:-1]))
        if rises.size:
            k = int(rises[0])
            return _("the objective increased at step {step}, from {before} to {after}: with a step at "
                     "most 1/L every ISTA step decreases F").format(
                         step=k + 1, before=f"{objectives[k]:.10g}", after=f"{objectives[k + 1]:.10g}")
    return None


def _check_failure(task: Lasso, x, objectives, exercise: str = "") -> str | None:
    """What the problem's check finds wrong with x, or None."""
    A, b, lam = task.A, task.b, task.lam
    final = lasso_objective(A, b, lam, x)
    if task.check == "optimal":
        tol = policy("optimality")
        residual = optimality_residual(A, b, lam, x) / lam
        i = int(np.argmax(residual))
        # Within the tolerance, or within ten times what the reference's own iterate after
        # as many steps leaves (a problem drawn badly conditioned converges more slowly).
        if residual[i] <= max(tol.atol, 10 * _reference_residual(exercise, task)):
            return None
        g = float(A[:, i] @ (A @ x - b))
        where = (_("x_i = {x} and A_i^T (A x - b) + lam sign(x_i) = {value}, not 0").format(
                     x=f"{x[i]:.6g}", value=f"{g + lam * np.sign(x[i]):.4g}") if x[i] != 0 else
                 _("x_i = 0 but |A_i^T (A x - b)| = {value} > lam = {lam}").format(
                     value=f"{abs(g):.6g}", lam=f"{lam:.6g}"))
        return _("x is not a minimiser: the optimality condition fails at {count} of {total} coordinates; "
                 "at i = {i}, {where} (residual / lam = {residual}, tolerance {tolerance}, policy "
                 "'optimality')").format(count=int(np.sum(residual > tol.atol)), total=len(x), i=i,
                                         where=where, residual=f"{residual[i]:.2g}",
                                         tolerance=f"{tol.atol:g}")
    if task.check == "faster":
        gap = final - task.best
        if gap <= FASTER * task.baseline:
            return None
        return _("after {steps} steps F(x) - F* = {gap}, while ISTA reaches {baseline}: on this badly "
                 "conditioned problem FISTA must leave at most {fraction} times ISTA's gap (its gap falls "
                 "like 1/k^2, ISTA's like 1/k)").format(steps=task.steps, gap=f"{gap:.3g}",
                                                       baseline=f"{task.baseline:.3g}", fraction=f"{FASTER:g}")
    if task.check == "near":
        tol = policy("subgradient_gap")
        start = lasso_objective(A, b, lam, np.zeros(len(x)))
        fraction = (final - task.best) / (start - task.best)
        if fraction <= tol.atol:
            return None
        return _("after {steps} steps F(x) - F* = {gap}, {fraction} of the initial gap F(0) - F*; the "
                 "subgradient method with steps step0/sqrt(k+1) gets within {tolerance} of it (policy "
                 "'subgradient_gap')").format(steps=task.steps, gap=f"{final - task.best:.3g}",
                                              fraction=f"{fraction:.2g}", tolerance=f"{tol.atol:g}")
    expected = ref.subgradient_method(A, b, lam, **task.options)[1]
    differ = np.flatnonzero(~policy("iterates").close(objectives, expected))
    if not differ.size:
        return None
    k = int(differ[0])
    return _("with lam = 0 every subgradient choice gives the same iterates, gradient descent with steps "
             "step0/sqrt(k+1), but objectives[{k}] = {got} where {expected} was expected").format(
                 k=k, got=f"{objectives[k]:.10g}", expected=f"{expected[k]:.10g}")


def _reference_residual(exercise: str, task: Lasso) -> float:
    """The largest optimality residual / lam of the reference's answer to `task`."""
    if exercise not in ("ista", "fista"):
        return 0.0
    x = getattr(ref, exercise)(task.A, task.b, task.lam, **task.options)[0]
    return float(np.max(optimality_residual(task.A, task.b, task.lam, x) / task.lam))


def same_answer(x, objectives, other) -> bool:
    """True when (x, objectives) is what `other` returned, up to round-off (NaN and
    infinities where the other has them)."""
    close = policy("iterates")
    for got, wanted in ((x, as_array(other[0])), (objectives, as_array(other[1]))):
        if wanted is None or got.shape != wanted.shape:
            return False
        finite = np.isfinite(wanted)
        if not (np.array_equal(finite, np.isfinite(got)) and close.close(got[finite], wanted[finite]).all()):
            return False
    return True


def failure(exercise: str, task: Lasso, x, objectives, at_zero=None) -> str | None:
    """What is wrong with the answer (x, objectives) to `task`, or None when it passes
    (`at_zero`: what the student's subgradient_abs gives at 0, for the subgradient method)."""
    with np.errstate(all="ignore"):
        return (_objective_failure(exercise, task, x, objectives) or _check_failure(task, x, objectives, exercise)
                or _recursion_failure(exercise, task, objectives, at_zero))


RECURSIONS = {
    "ista": N_("from x_0 = 0, x_(k+1) = prox(x_k - s grad f(x_k)) with s = step, or 1/L when step is None, "
               "fixes every iterate, and so every objective"),
    "fista": N_("from x_0 = y_1 = 0 and t_1 = 1, x_k = prox(y_k - s grad f(y_k)), "
                "t_(k+1) = (1 + sqrt(1 + 4 t_k^2)) / 2 and y_(k+1) = x_k + (t_k - 1) / t_(k+1) (x_k - x_(k-1)) "
                "fix every iterate, and so every objective"),
    "subgradient_method": N_("from x_0 = 0, x_(k+1) = x_k - step0 / sqrt(k + 1) (A^T (A x_k - b) + lam s_k) "
                             "with s_k = subgradient_abs(x_k) (yours: at 0 it gave {at_zero}) fixes every "
                             "iterate, and so every objective"),
}


def _subgradient_recursion(task: Lasso, at_zero) -> np.ndarray:
    """The objectives of the subgradient method with s_k = sign(x_k) where x_k != 0 and
    `at_zero` (an array over the coordinates) where x_k = 0."""
    A, b, lam = task.A, task.b, task.lam
    steps, step0 = task.options.get("steps", 500), task.options.get("step0", 1e-2)
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for k in range(steps):
        s = np.where(x == 0, at_zero, np.sign(x))
        x = x - step0 / np.sqrt(k + 1) * (A.T @ (A @ x - b) + lam * s)
        objectives.append(lasso_objective(A, b, lam, x))
    return np.array(objectives)


def _recursion_failure(exercise: str, task: Lasso, objectives, at_zero=None) -> str | None:
    """ISTA's and FISTA's recursions (with the step 1/L when none is given) fix every
    objective: they must be the reference's, up to round-off ('iterates'). So does the
    subgradient method's, given the subgradient of |.| at 0 that the student's
    `subgradient_abs` chooses (`at_zero`; np.sign's 0 is accepted too): the contract
    leaves that choice open, the notebook asks for s_k = subgradient_abs(x_k)."""
    if exercise not in RECURSIONS:
        return None
    if exercise == "subgradient_method":
        n = task.A.shape[1]
        choices = [np.zeros(n)] + ([np.broadcast_to(at_zero, (n,))] if at_zero is not None else [])
        runs = [_subgradient_recursion(task, c) for c in choices]
        if any(policy("iterates").close(objectives, run).all() for run in runs):
            return None
        expected = runs[-1]
    else:
        expected = getattr(ref, exercise)(task.A, task.b, task.lam, **task.options)[1]
    differ = np.flatnonzero(~policy("iterates").close(objectives, expected))
    if not differ.size:
        return None
    k = int(differ[0])
    shown = "0" if at_zero is None else np.array2string(np.unique(np.asarray(at_zero)), precision=3)
    return _("objectives[{k}] = {got} where the recursion gives {expected}: {recursion}").format(
        k=k, got=f"{objectives[k]:.10g}", expected=f"{expected[k]:.10g}",
        recursion=_(RECURSIONS[exercise]).format(at_zero=shown))
