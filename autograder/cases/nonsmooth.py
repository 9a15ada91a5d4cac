"""Hidden-test inputs, checks and typical mistakes of chapter 07_nonsmooth.

`subgradient_abs` and `soft_threshold` are compared with the reference; at x = 0 any
subgradient of |x| in [-1, 1] is right (`any_subgradient_at_zero`). The lasso methods
are judged by what their answer must satisfy, not by their iterates, so that a right
answer with another step schedule passes (`lasso_harness`): the pair (x, objectives) is
well formed, objectives[0] = F(0) and objectives[-1] = F(x), ISTA with a step at most 1/L
never increases F, and then, depending on the problem,

    "optimal"  x satisfies the lasso's optimality conditions (0 in dF(x)), up to the
               'optimality' tolerance;
    "faster"   on a badly conditioned problem FISTA's gap F(x) - F* is at most FASTER
               times the gap ISTA leaves after as many steps;
    "near"     the subgradient method's gap is a small fraction of the initial gap;
    "same"     with lam = 0 every subgradient choice gives the same iterates (gradient
               descent with steps step0/sqrt(k+1)): objectives equal the reference's.

A failure raises `Unacceptable` with what failed and, when one of `MISTAKES` reproduces
the answer, which mistake.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from adcourse.checking import show_value
from adcourse.diagnostics import Mistake, as_array
from adcourse.nonsmooth import lam_max, lasso_objective, lasso_problem, optimality_residual
from adcourse.tolerance import policy
from autograder.checking import Case, Unacceptable
from autograder.reference import nonsmooth as ref

#: FISTA's gap must be at most this fraction of ISTA's after as many steps on a badly
#: conditioned problem (their bounds, O(1/k^2) against O(1/k), differ by about 1/50 at
#: k = 200; the reference reaches 1e-4 of ISTA's gap, the usual mistakes 0.2 to 1).
FASTER = 0.05
#: Steps of the reference FISTA that estimate F* for the "faster" and "near" checks.
LONG_RUN = 5000


# --- subgradient_abs and soft_threshold ------------------------------------------------------

def _with_zeros(rng, shape):
    x = rng.normal(scale=2.0, size=shape)
    x.flat[rng.choice(x.size, size=max(1, x.size // 3), replace=False)] = 0.0
    return x


def subgradient_abs_cases(seed: int) -> list[Case]:
    """Arrays of several shapes with exact zeros (and a -0.0), floats, 0-d arrays, integers."""
    rng = np.random.default_rng(seed)
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
        raise Unacceptable(f"at x = 0 it returned {show_value(values[outside][0])}: a subgradient "
                           "of |x| at 0 is any value in [-1, 1] (np.sign gives 0); x / abs(x) "
                           "is 0/0 = nan there")
    return np.where(zero, 0.0, values.astype(float))


def soft_threshold_cases(seed: int) -> list[Case]:
    """Arrays of several shapes, floats, points exactly at +-lam and 0, lam = 0, a lam
    above every |x_i|, integer input, lam by keyword."""
    rng = np.random.default_rng(seed)
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
        return f"A of shape {self.A.shape}{self.label}, b, lam={self.lam:.4g}{options}"


def problem(seed: int, m: int, n: int, fraction: float, check: str = "optimal",
            correlation: float = 0.0, **options) -> Lasso:
    """A lasso problem with lam = fraction * lam_max (x = 0 solves it when fraction >= 1)."""
    A, b, _ = lasso_problem(m, n, max(1, min(m, n) // 8), 0.1, seed, correlation)
    lam = fraction * lam_max(A, b)
    label = f", correlated columns ({correlation:g})" if correlation else ""
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


def lasso_cases(exercise: str, seed: int) -> list[Case]:
    """Shapes with m < n and m > n, small and larger lam, lam >= lam_max (x = 0), the step
    given explicitly; for FISTA also badly conditioned problems, for the subgradient
    method lam = 0."""
    seeds = iter(np.random.default_rng(seed).integers(0, 2**31, size=16).tolist())
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


def _objective_failure(exercise: str, task: Lasso, x, objectives) -> str | None:
    """What is wrong with the shapes and the objectives of an answer, or None."""
    n, steps = task.A.shape[1], task.steps
    if x is None or x.shape != (n,):
        return (f"x has shape {None if x is None else x.shape}; expected ({n},), one "
                "coefficient per column of A")
    if objectives is None or objectives.shape != (steps + 1,):
        return (f"objectives has shape {None if objectives is None else objectives.shape}; "
                f"expected ({steps + 1},): F(x_0) at the start x_0 = 0, then F(x_k) after "
                f"each of the {steps} steps")
    bad = np.flatnonzero(~np.isfinite(objectives))
    if bad.size or not np.isfinite(x).all():
        k = int(bad[0]) if bad.size else steps
        return (f"the objective is {objectives[k]} at step {k}: the iteration diverged (a step "
                "too large for L = norm(A, 2)**2, or the gradient's sign flipped?)")
    same = policy("objective")
    start = lasso_objective(task.A, task.b, task.lam, np.zeros(n))
    if not same.close(objectives[0], start):
        return (f"objectives[0] = {objectives[0]:.10g} but F(x_0) = F(0) = {start:.10g}: "
                "start at x_0 = 0 and record its objective first")
    final = lasso_objective(task.A, task.b, task.lam, x)
    if not same.close(objectives[-1], final):
        return (f"objectives[-1] = {objectives[-1]:.10g} but F(x) = {final:.10g} for the x "
                "returned: the last objective is that of the returned x, the last iterate")
    step, lipschitz = task.options.get("step"), np.linalg.norm(task.A, 2) ** 2
    if exercise == "ista" and (step is None or step * lipschitz <= 1.0 + 1e-12):
        rises = np.flatnonzero(np.diff(objectives) > same.atol + same.rtol * np.abs(objectives[:-1]))
        if rises.size:
            k = int(rises[0])
            return (f"the objective increased at step {k + 1}, from {objectives[k]:.10g} to "
                    f"{objectives[k + 1]:.10g}: with a step at most 1/L every ISTA step "
                    "decreases F")
    return None


def _check_failure(task: Lasso, x, objectives) -> str | None:
    """What the problem's check finds wrong with x, or None."""
    A, b, lam = task.A, task.b, task.lam
    final = lasso_objective(A, b, lam, x)
    if task.check == "optimal":
        tol = policy("optimality")
        residual = optimality_residual(A, b, lam, x) / lam
        i = int(np.argmax(residual))
        if residual[i] <= tol.atol:
            return None
        g = float(A[:, i] @ (A @ x - b))
        where = (f"x_i = {x[i]:.6g} and A_i^T (A x - b) + lam sign(x_i) = {g + lam * np.sign(x[i]):.4g}, "
                 "not 0" if x[i] != 0 else
                 f"x_i = 0 but |A_i^T (A x - b)| = {abs(g):.6g} > lam = {lam:.6g}")
        return (f"x is not a minimiser: the optimality condition fails at "
                f"{int(np.sum(residual > tol.atol))} of {len(x)} coordinates; at i = {i}, {where} "
                f"(residual / lam = {residual[i]:.2g}, tolerance {tol.atol:g}, policy 'optimality')")
    if task.check == "faster":
        gap = final - task.best
        if gap <= FASTER * task.baseline:
            return None
        return (f"after {task.steps} steps F(x) - F* = {gap:.3g}, while ISTA reaches "
                f"{task.baseline:.3g}: on this badly conditioned problem FISTA must leave at most "
                f"{FASTER:g} times ISTA's gap (its gap falls like 1/k^2, ISTA's like 1/k)")
    if task.check == "near":
        tol = policy("subgradient_gap")
        start = lasso_objective(A, b, lam, np.zeros(len(x)))
        fraction = (final - task.best) / (start - task.best)
        if fraction <= tol.atol:
            return None
        return (f"after {task.steps} steps F(x) - F* = {final - task.best:.3g}, {fraction:.2g} of "
                f"the initial gap F(0) - F*; the subgradient method with steps step0/sqrt(k+1) "
                f"gets within {tol.atol:g} of it (policy 'subgradient_gap')")
    expected = ref.subgradient_method(A, b, lam, **task.options)[1]
    differ = np.flatnonzero(~policy("iterates").close(objectives, expected))
    if not differ.size:
        return None
    k = int(differ[0])
    return (f"with lam = 0 every subgradient choice gives the same iterates, gradient descent "
            f"with steps step0/sqrt(k+1), but objectives[{k}] = {objectives[k]:.10g} where "
            f"{expected[k]:.10g} was expected")


def _same_answer(x, objectives, other) -> bool:
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


def _failure(exercise: str, task: Lasso, x, objectives) -> str | None:
    with np.errstate(all="ignore"):
        return _objective_failure(exercise, task, x, objectives) or _check_failure(task, x, objectives)


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
        if (_same_answer(x, objectives, wrong)
                and _failure(exercise, task, wrong_x, wrong_objectives) is not None):
            return mistake.description
    return None


def lasso_harness(exercise: str):
    """The harness of `ista`, `fista` and `subgradient_method`: True when the answer
    passes every check of its problem, else `Unacceptable` saying what failed."""
    def harness(function, task: Lasso):
        before = task.A.copy(), task.b.copy()
        result = function(task.A, task.b, task.lam, **task.options)
        for name, old, new in (("A", before[0], task.A), ("b", before[1], task.b)):
            if not np.array_equal(old, new):
                raise Unacceptable(f"modified its argument {name} in place; the function must "
                                   "leave its inputs unchanged (work on a copy)")
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise Unacceptable(f"returned {show_value(result)}; expected a pair (x, objectives)")
        x, objectives = (as_array(v) for v in result)
        x = None if x is None else x.astype(float)
        objectives = None if objectives is None else objectives.astype(float)
        failure = _failure(exercise, task, x, objectives)
        if failure is None:
            return True
        hint = _recognised(exercise, task, x, objectives) if x is not None and objectives is not None else None
        raise Unacceptable(failure + (f"\n    likely mistake: {hint}" if hint else ""))
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
    for _ in range(steps):
        x = prox(x - s * direction * (A.T @ (A @ x - b)), threshold(s, lam))
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


def _accelerated(A, b, lam, steps=500, step=None, *, four=4.0, momentum_from="x", gradient_at="y",
                 threshold=lambda s, lam: s * lam):
    """FISTA with one of its parts replaced."""
    s = 1 / np.linalg.norm(A, 2) ** 2 if step is None else step
    x = np.zeros(A.shape[1])
    y, t = x, 1.0
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        point = y if gradient_at == "y" else x
        x_next = ref.soft_threshold(point - s * (A.T @ (A @ point - b)), threshold(s, lam))
        t_next = (1 + np.sqrt(1 + four * t * t)) / 2
        y = x_next + (t - 1) / t_next * (x_next - (x if momentum_from == "x" else y))
        x, t = x_next, t_next
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


_SHRINKS = ("the proximal step shrinks every coordinate by step * lam but never sets one to 0 "
            "(x - lam sign(x)): soft-thresholding is sign(x) max(|x| - lam, 0)")
_THRESHOLD = ("the threshold is lam; the proximal step of ISTA is the prox of step * lam * "
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
        Mistake("the gradient step is taken at x_k instead of the extrapolated point y_k: "
                "that is ISTA, with no acceleration", partial(_accelerated, gradient_at="x")),
        Mistake(_THRESHOLD, partial(_accelerated, threshold=lambda s, lam: lam)),
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
