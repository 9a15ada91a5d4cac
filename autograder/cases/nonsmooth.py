"""Hidden-test inputs, harnesses and typical mistakes of chapter 07_nonsmooth.

`subgradient_abs` and `soft_threshold` are compared with the reference; at x = 0 any
subgradient of |x| in [-1, 1] is right (`any_subgradient_at_zero`). The lasso solvers
are judged by what their answer must satisfy, not by their iterates, so that a right
answer with another step schedule passes: `lasso_harness` calls the solver on a
`Lasso` problem and applies `lasso_checks.failure` (optimality conditions, objectives
consistent with x, descent, speed). A failure raises `Unacceptable` with what failed
and, when one of `MISTAKES` reproduces the answer, which mistake.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from adcourse.checking import show_value
from adcourse.diagnostics import Mistake, as_array
from adcourse.i18n import N_, _
from adcourse.nonsmooth import lasso_objective
from autograder.cases import generator
from autograder.checking import Case, Unacceptable
from autograder.reference import nonsmooth as ref

from .lasso_checks import FASTER, LONG_RUN, Lasso, failure, problem, same_answer

__all__ = ["FASTER", "LONG_RUN", "MISTAKES", "Lasso", "any_subgradient_at_zero", "lasso_cases",
           "lasso_harness", "soft_threshold_cases", "subgradient_abs_cases"]


# --- subgradient_abs and soft_threshold ------------------------------------------------------

def _with_zeros(rng, shape):
    x = rng.normal(scale=2.0, size=shape)
    x.flat[rng.choice(x.size, size=max(1, x.size // 3), replace=False)] = 0.0
    return x


def subgradient_abs_cases(seed: int) -> list[Case]:
    """Arrays of several shapes with exact zeros (and a -0.0), floats, 0-d arrays, integers."""
    rng = generator(seed)
    return [Case((_with_zeros(rng, shape),)) for shape in ((7,), (3, 4), (2, 3, 2))] + [
        Case((0.0,)), Case((-0.0,)), Case((float(rng.uniform(0.1, 3)),)),
        Case((-float(rng.uniform(0.1, 3)),)), Case((np.asarray(0.0),)),
        Case((np.array([-3, 0, 2, 0]),)), Case((np.array([1e-300, -1e-300, 0.0, -0.0]),)),
    ]


def any_subgradient_at_zero(function, x):
    """The harness of `subgradient_abs`: where x == 0 any value in [-1, 1] is right, so
    it is replaced by the reference's choice 0; a value outside [-1, 1] there fails."""
    got = function(x)
    values = as_array(got)
    if values is None or values.shape != np.shape(x):
        return got
    zero = np.asarray(x) == 0
    with np.errstate(invalid="ignore"):
        outside = zero & ~(np.abs(values) <= 1.0)
    if outside.any():
        raise Unacceptable(_("at x = 0 it returned {value}: a subgradient of |x| at 0 is any value in "
                             "[-1, 1] (np.sign gives 0); x / abs(x) is 0/0 = nan there").format(
                                 value=show_value(values[outside][0])))
    return np.where(zero, 0.0, values.astype(float))


def soft_threshold_cases(seed: int) -> list[Case]:
    """Arrays of several shapes, floats, points exactly at +-lam and 0, lam = 0, a lam
    above every |x_i|, integer input, lam by keyword."""
    rng = generator(seed)
    return [
        Case((rng.normal(scale=2.0, size=8), 0.5)),
        Case((rng.normal(scale=2.0, size=(3, 4)), float(rng.uniform(0.2, 1.5)))),
        Case((rng.normal(scale=2.0, size=(2, 3, 2)), 0.25)),
        Case((np.array([-2.0, -0.5, -0.2, 0.0, 0.2, 0.5, 2.0]), 0.5)),
        Case((float(rng.uniform(1, 3)), 0.7)), Case((-float(rng.uniform(1, 3)), 0.7)),
        Case((0.3, 0.7)), Case((np.asarray(-1.25), 0.5)),
        Case((rng.normal(size=5), 0.0)), Case((rng.normal(size=5), 10.0)),
        Case((np.array([3, -1, 0, 2]), 1)),
        Case((rng.normal(scale=2.0, size=6),), {"lam": 1.0}),
    ]


# --- the lasso methods -------------------------------------------------------------------------

def lasso_cases(exercise: str, seed: int) -> list[Case]:
    """Shapes with m < n and m > n, small and larger lam, lam >= lam_max (x = 0), the step
    given explicitly; for FISTA also badly conditioned problems, for the subgradient
    method lam = 0."""
    seeds = iter(generator(seed).integers(0, 2**31, size=16).tolist())
    if exercise == "subgradient_method":
        tasks = [problem(next(seeds), 60, 100, 0.1, "near"),
                 problem(next(seeds), 100, 40, 0.05, "near"),
                 problem(next(seeds), 60, 100, 0.02, "near", steps=400),
                 problem(next(seeds), 30, 20, 0.0, "same", steps=200, step0=2e-3),
                 problem(next(seeds), 100, 40, 0.0, "same", steps=100)]
    else:
        tasks = [problem(next(seeds), 60, 100, 0.1),
                 problem(next(seeds), 100, 40, 0.05, steps=300),
                 problem(next(seeds), 30, 50, 0.2, step="1/L"),
                 problem(next(seeds), 80, 60, 0.1, steps=400, step="1/(2L)"),
                 problem(next(seeds), 12, 8, 0.1),
                 problem(next(seeds), 60, 100, 1.5, steps=50)]
        if exercise == "fista":
            tasks += [problem(next(seeds), 60, 100, fraction, "faster", 0.9, steps=200)
                      for fraction in (0.1, 0.05)]
    return [Case((task,)) for task in tasks]


def _recognised(exercise: str, task: Lasso, x, objectives) -> str | None:
    """The first typical mistake that reproduces the answer (a mistake that gives a right
    answer on this problem explains nothing)."""
    for mistake in MISTAKES.get(exercise, ()):
        try:
            with np.errstate(all="ignore"):
                wrong = mistake.fn(task.A.copy(), task.b.copy(), task.lam, **task.options)
                wrong_x, wrong_objectives = (np.asarray(v, dtype=float) for v in wrong)
        except Exception:
            continue
        if (same_answer(x, objectives, wrong)
                and failure(exercise, task, wrong_x, wrong_objectives) is not None):
            return mistake.said()
    return None


def lasso_harness(exercise: str, subgradient_abs=None):
    """The harness of `ista`, `fista` and `subgradient_method`: True when the answer
    passes every check of its problem, else `Unacceptable` saying what failed. For the
    subgradient method, `subgradient_abs` is the student's, asked once what it chooses at 0."""
    def harness(function, task: Lasso):
        at_zero = None
        if subgradient_abs is not None:
            try:
                chosen = as_array(subgradient_abs(np.zeros(task.A.shape[1])))
            except Exception:  # noqa: BLE001 (a broken subgradient_abs loses its own points)
                chosen = None
            if chosen is not None and chosen.shape == (task.A.shape[1],) and np.all(np.abs(chosen) <= 1):
                at_zero = chosen.astype(float)
        before = task.A.copy(), task.b.copy()
        result = function(task.A, task.b, task.lam, **task.options)
        for name, old, new in (("A", before[0], task.A), ("b", before[1], task.b)):
            if not np.array_equal(old, new):
                raise Unacceptable(_("modified its argument {name} in place; the function must leave its "
                                     "inputs unchanged (work on a copy)").format(name=name))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise Unacceptable(_("returned {value}; expected a pair (x, objectives)").format(
                value=show_value(result)))
        x, objectives = (as_array(v) for v in result)
        x = None if x is None else x.astype(float)
        objectives = None if objectives is None else objectives.astype(float)
        found = failure(exercise, task, x, objectives, at_zero)
        if found is None:
            return True
        hint = _recognised(exercise, task, x, objectives) if x is not None and objectives is not None else None
        raise Unacceptable(found + ("\n    " + _("likely mistake: {hint}").format(hint=hint) if hint else ""))
    return harness


# --- typical mistakes ------------------------------------------------------------------------

def _shrink(x, lam):
    return x - lam * np.sign(x)


def _proximal_gradient(A, b, lam, steps=500, step=None, *, prox=ref.soft_threshold,
                       threshold=lambda s, lam: s * lam, rule=lambda A: 1 / np.linalg.norm(A, 2) ** 2,
                       direction=1.0):
    """ISTA with one of its parts replaced."""
    s = rule(A) if step is None else step
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for _unused in range(steps):
        x = prox(x - s * direction * (A.T @ (A @ x - b)), threshold(s, lam))
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


def _accelerated(A, b, lam, steps=500, step=None, *, four=4.0, momentum_from="x", gradient_at="y",
                 prox=ref.soft_threshold, threshold=lambda s, lam: s * lam,
                 momentum=lambda t, t_next: (t - 1) / t_next):
    """FISTA with one of its parts replaced."""
    s = 1 / np.linalg.norm(A, 2) ** 2 if step is None else step
    x = np.zeros(A.shape[1])
    y, t = x, 1.0
    objectives = [lasso_objective(A, b, lam, x)]
    for _unused in range(steps):
        point = y if gradient_at == "y" else x
        x_next = prox(point - s * (A.T @ (A @ point - b)), threshold(s, lam))
        t_next = (1 + np.sqrt(1 + four * t * t)) / 2
        y = x_next + momentum(t, t_next) * (x_next - (x if momentum_from == "x" else y))
        x, t = x_next, t_next
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


BACKTRACKING = N_("a backtracking line search was used when no step is given; the notebook's ISTA "
                "takes the fixed step 1/L (L = norm(A, 2)**2), which fixes every iterate")


def _backtracking(A, b, lam, steps=500, step=None):
    """ISTA with a backtracking line search (halving from 1) when step is None."""
    if step is not None:
        return _proximal_gradient(A, b, lam, steps, step)
    t, x = 1.0, np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]

    def smooth(z):
        return 0.5 * np.sum((A @ z - b) ** 2)
    for _unused in range(steps):
        g = A.T @ (A @ x - b)
        while True:
            z = ref.soft_threshold(x - t * g, t * lam)
            if smooth(z) <= smooth(x) + g @ (z - x) + (z - x) @ (z - x) / (2 * t):
                break
            t /= 2
        x = z
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


def _k_momentum(A, b, lam, steps=500, step=None):
    """Accelerated proximal gradient with the momentum (k - 2) / (k + 1)."""
    s = 1 / np.linalg.norm(A, 2) ** 2 if step is None else step
    x_old = x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for k in range(1, steps + 1):
        y = x + (k - 2) / (k + 1) * (x - x_old)
        x_old, x = x, ref.soft_threshold(y - s * (A.T @ (A @ y - b)), s * lam)
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


def _subgradient(A, b, lam, steps=500, step0=1e-2, *, schedule=lambda step0, k: step0 / np.sqrt(k + 1),
                 direction=1.0):
    """The subgradient method with another step schedule or direction."""
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for k in range(steps):
        x = x - schedule(step0, k) * direction * (A.T @ (A @ x - b) + lam * np.sign(x))
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


_SHRINKS = N_("the proximal step shrinks every coordinate by step * lam but never sets one to 0 "
            "(x - lam sign(x)): soft-thresholding is sign(x) max(|x| - lam, 0)")
_THRESHOLD = N_("the threshold is lam; the proximal step of ISTA is the prox of step * lam * "
              "norm1, soft_threshold(z, step * lam)")

MISTAKES = {
    "subgradient_abs": (
        Mistake("the derivative of relu (1 for x > 0, else 0) was returned; |x| has slope -1 "
                "for x < 0", lambda x: (np.asarray(x) > 0).astype(float)),
        Mistake("|x| itself was returned; a subgradient of |x| is its slope sign(x)",
                lambda x: np.abs(np.asarray(x, dtype=float))),
    ),
    "soft_threshold": (
        Mistake("every element is shrunk by lam but none is set to 0 (x - lam sign(x)): "
                "soft-thresholding stops at 0, sign(x) max(|x| - lam, 0)", _shrink),
        Mistake("hard thresholding (x where |x| > lam, else 0): the prox of lam norm1 also "
                "moves the large elements lam towards 0",
                lambda x, lam: np.where(np.abs(x) > lam, x, 0.0)),
        Mistake("the threshold is lam / 2: the prox minimises 0.5 ||z - x||^2 + lam ||z||_1 "
                "(with the 1/2), whose threshold is lam",
                lambda x, lam: ref.soft_threshold(x, lam / 2)),
        Mistake("np.clip(x, -lam, lam) is the projection onto [-lam, lam]; soft-thresholding "
                "is what that projection leaves over, x - clip(x, -lam, lam)",
                lambda x, lam: np.clip(x, -lam, lam)),
    ),
    "ista": (
        Mistake(BACKTRACKING, _backtracking),
        Mistake(_THRESHOLD, partial(_proximal_gradient, threshold=lambda s, lam: lam)),
        Mistake(_SHRINKS, partial(_proximal_gradient, prox=_shrink)),
        Mistake("the step is 1 / norm(A, 2); 1/L is 1 / norm(A, 2)**2 (L is the largest "
                "eigenvalue of A^T A): a larger step diverges",
                partial(_proximal_gradient, rule=lambda A: 1 / np.linalg.norm(A, 2))),
        Mistake("the step is 1 / norm(A)**2 with the Frobenius norm: far smaller than 1/L "
                "(use norm(A, 2)**2, the largest eigenvalue of A^T A), so too slow",
                partial(_proximal_gradient, rule=lambda A: 1 / np.linalg.norm(A) ** 2)),
        Mistake("the gradient's sign is flipped: the gradient of 0.5 ||A x - b||^2 is "
                "A^T (A x - b), not A^T (b - A x)", partial(_proximal_gradient, direction=-1.0)),
    ),
    "fista": (
        Mistake("the momentum is computed from the extrapolated points (x_k - y_k); FISTA "
                "extrapolates along the last step of the x's: y = x_k + (t_k - 1) / t_{k+1} "
                "(x_k - x_{k-1})", partial(_accelerated, momentum_from="y")),
        Mistake("t_{k+1} = (1 + sqrt(1 + t_k^2)) / 2 lost its factor 4: it is "
                "(1 + sqrt(1 + 4 t_k^2)) / 2, so that the momentum (t_k - 1) / t_{k+1} tends to 1",
                partial(_accelerated, four=1.0)),
        Mistake("the momentum is (t_k - 1) / t_k; FISTA's is (t_k - 1) / t_(k+1), with the next t",
                partial(_accelerated, momentum=lambda t, t_next: (t - 1) / t)),
        Mistake("the momentum is a constant; FISTA's is (t_k - 1) / t_(k+1), which starts at 0 and "
                "grows towards 1", partial(_accelerated, momentum=lambda t, t_next: 0.9)),
        Mistake("the momentum (k - 2) / (k + 1) is another accelerated method's; this notebook's FISTA "
                "uses (t_k - 1) / t_(k+1) with t_1 = 1, t_(k+1) = (1 + sqrt(1 + 4 t_k^2)) / 2",
                _k_momentum),
        Mistake("the gradient step is taken at x_k instead of the extrapolated point y_k: "
                "that is ISTA, with no acceleration", partial(_accelerated, gradient_at="x")),
        Mistake(_THRESHOLD, partial(_accelerated, threshold=lambda s, lam: lam)),
        Mistake(_SHRINKS, partial(_accelerated, prox=_shrink)),
    ),
    "subgradient_method": (
        Mistake("the step is fixed at step0; the subgradient method needs decreasing steps "
                "step0 / sqrt(k + 1) (a fixed step oscillates, or diverges once it exceeds 2/L)",
                partial(_subgradient, schedule=lambda step0, k: step0)),
        Mistake("the steps are step0 / (k + 1); the exercise asks for step0 / sqrt(k + 1)",
                partial(_subgradient, schedule=lambda step0, k: step0 / (k + 1))),
        Mistake("the gradient's sign is flipped: the gradient of 0.5 ||A x - b||^2 is "
                "A^T (A x - b), not A^T (b - A x)", partial(_subgradient, direction=-1.0)),
    ),
}
