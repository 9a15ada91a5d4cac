"""Hidden-test inputs, harnesses and typical mistakes of chapter 08_higher_order.

`hvp` and `hessian` are called in the student's kernel on functions of `SECOND`
(adcourse.functions.higher_order), which count the calls of f: one reverse pass on dual
numbers calls f once, n Hessian-vector products n times; the values are compared with
the reference's. `checkpointed_grad` runs on the chapter's recurrence with a step that
counts its calls and the states alive: the contract bounds both. `tape_memory` is judged
by how its two peaks grow with n, never by their bytes. `newton_logistic` is compared
with the reference (Newton's iterates from w_0 = 0 are fixed by the method).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from adcourse.checking import show_value
from adcourse.diagnostics import Mistake, as_array
from adcourse.functions.higher_order import CHECKPOINT_PROGRAM, HESSIAN_PROGRAM, HVP_PROGRAM, SECOND
from adcourse.higher_order import Dual, Var, logistic_loss, tangent_of
from adcourse.i18n import _
from adcourse.matrix_calculus import logistic_data, sigmoid
from autograder.cases import generator
from autograder.checking import Case, Unacceptable
from autograder.reference import higher_order as ref
from autograder.sealed import in_kernel

__all__ = ["MISTAKES", "checkpoint_cases", "checkpointing", "hessian_cases", "hessians", "hvp_cases", "hvps",
           "memory_scaling", "newton_cases", "tape_lengths"]


# --- hvp and hessian ---------------------------------------------------------------------------

def _point(rng, fn, n):
    low, high = fn.domain
    return [round(float(t), 6) for t in rng.uniform(low, high, n)]


def hvp_cases(seed: int) -> list[Case]:
    """Each function of SECOND at random points and directions (sizes 1 to 8 where the
    function takes any size), a direction 0 and a direction not of length 1."""
    rng = generator(seed)
    cases = []
    for fn in SECOND:
        sizes = (fn.shape[1],) if fn.shape else (2, 5, 8)
        for n in sizes:
            cases.append(Case((fn, _point(rng, fn, n), [float(t) for t in rng.normal(size=n)])))
    rosenbrock, quadratic = SECOND[0], SECOND[2]
    cases.append(Case((rosenbrock, _point(rng, rosenbrock, 4), [0.0] * 4)))
    cases.append(Case((quadratic, _point(rng, quadratic, 3), [3.0, -2.0, 0.5])))
    return cases


def hessian_cases(seed: int) -> list[Case]:
    """Each function of SECOND at random points, sizes 1 to 6."""
    rng = generator(seed)
    return [Case((fn, _point(rng, fn, n))) for fn in SECOND for n in ((fn.shape[1],) if fn.shape else (3, 6))]


def _read(values, held: str, what: str, shape: tuple) -> np.ndarray:
    if values is None:
        raise Unacceptable(_("returned {held} objects, not numbers: {what} is an array of floats (for a Dual, "
                             "its .tangent; for a Var, its .grad's tangent)").format(held=held, what=what))
    if values.shape != shape:
        raise Unacceptable(_("returned an array of shape {shape}; {what} has shape {expected}").format(
            shape=values.shape, what=what, expected=shape))
    return values


def hvps(function, f, x, v) -> np.ndarray:
    """The harness of `hvp`: called in the kernel, f's calls counted (one), H v read."""
    values, held, calls = in_kernel(HVP_PROGRAM, function)((function, f, list(x), list(v)))
    if calls != 1:
        raise Unacceptable(_("called f {count} times: forward over reverse calls f once, on "
                             "x_i = Var(Dual(x_i, v_i)), and reads H v from one backward pass (two "
                             "gradients for a difference, or n for the whole Hessian, are not asked)").format(
                                 count=calls))
    return _read(values, held, "H v", (len(x),))


def hessians(function, f, x) -> np.ndarray:
    """The harness of `hessian`: called in the kernel, f's calls counted (n), H read."""
    values, held, calls = in_kernel(HESSIAN_PROGRAM, function)((function, f, list(x)))
    n = len(x)
    if calls != n:
        raise Unacceptable(_("called f {count} times for n = {n}: the Hessian by n Hessian-vector "
                             "products calls f once for each column H e_j").format(count=calls, n=n))
    return _read(values, held, _("the Hessian"), (n, n))


# --- newton_logistic ---------------------------------------------------------------------------

def newton_cases(seed: int) -> list[Case]:
    """Chapter 05's data of several sizes, with intercept, and ridge from the default to 1;
    steps by keyword and by position, 0 and 1 steps."""
    seeds = generator(seed).integers(0, 2**31, size=8).tolist()
    data = [logistic_data(n, seed=s) for n, s in zip((40, 120, 25, 200, 60, 15), seeds)]
    return [Case(data[0]), Case(data[1], {"steps": 6, "ridge": 0.1}),
            Case((*data[2], 4, 1.0)), Case(data[3], {"steps": 12}),
            Case(data[4], {"steps": 1, "ridge": 0.5}), Case(data[5], {"steps": 0}),
            Case(data[4], {"ridge": 0.01})]


def newton_harness(function, X, y, *args, **kwargs) -> np.ndarray:
    """The harness of `newton_logistic`: the pair (w, losses) as one array [w..., losses...]."""
    before = X.copy(), y.copy()
    result = function(X, y, *args, **kwargs)
    if not (np.array_equal(before[0], X) and np.array_equal(before[1], y)):
        raise Unacceptable(_("modified X or y in place: the function must leave its inputs unchanged"))
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise Unacceptable(_("returned {kind}, not a pair (w, losses)").format(kind=type(result).__name__))
    w, losses = (as_array(v) for v in result)
    steps = args[0] if args else kwargs.get("steps", 10)
    if w is None or w.shape != (X.shape[1],):
        raise Unacceptable(_("w has shape {shape}, not ({size},)").format(shape=getattr(w, "shape", None),
                                                                        size=X.shape[1]))
    if losses is None or losses.shape != (steps + 1,):
        raise Unacceptable(_("losses has shape {shape} for steps={steps}: one loss for each of w_0, ..., "
                             "w_steps, {count} in all").format(shape=getattr(losses, "shape", None),
                                                              steps=steps, count=steps + 1))
    return np.concatenate([w.astype(float), losses.astype(float)])


# --- checkpointing ---------------------------------------------------------------------------

def checkpoint_cases(seed: int) -> list[Case]:
    """States of 512 floats (4 KiB, so that the states dominate what tracemalloc sees) with
    every dividing n and not, every = 1 (the full tape), every = n and above, n = 0 and 1;
    a few of 3 floats and of one float."""
    rng = generator(seed)

    def start(size):
        return [round(float(t), 6) for t in rng.uniform(-1, 1, size)]

    arrays = [(100, 10), (97, 9), (60, 7), (20, 1), (30, 30), (12, 50), (0, 4), (1, 3), (200, 14)]
    cases = [(start(STATE), n, every) for n, every in arrays]
    cases += [(start(3), 40, 6), (float(rng.uniform(-1, 1)), 25, 5), (float(rng.uniform(-1, 1)), 8, 3)]
    # The chapter's a = 0.5 and, for every other case, another member of its family.
    steps = [0.5 if k % 2 == 0 else round(float(rng.uniform(0.2, 0.9)), 3) for k in range(len(cases))]
    return [Case((Step(a), Step(a, vjp=True), *args)) for a, args in zip(steps, cases)]


@dataclass(frozen=True)
class Step:
    """The step (or its VJP) a case gives: recurrence_step with `a` (shown as such)."""

    a: float
    vjp: bool = False

    def __repr__(self):
        step = f"x + 0.1 (1 + {self.a:g} sin x)"
        return f"dstep(x, g) = g (1 + {0.1 * self.a:g} cos x)" if self.vjp else f"step(x) = {step}"


#: The size of the states of the memory-checked cases, and the slack of their bound.
STATE, SLACK_STATES, SLACK_BYTES = 512, 6, 32 * 1024


def checkpointing(function, step, dstep, x0, n, every) -> np.ndarray:
    """The harness of `checkpointed_grad`: called in the kernel on the chapter's recurrence
    with `step.a` (`step` and `dstep` say which; the kernel passes a counted copy of each); [grad...,
    x_n...], after the contract's bounds: states alive (weak references to what step
    returned), calls of step (at most 3n) and peak bytes (tracemalloc, which sees copies
    too)."""
    answer, held, most, peak, steps = in_kernel(CHECKPOINT_PROGRAM, function)((function, x0, n, every, step.a))
    keep = math.ceil(n / max(every, 1)) + min(every, n) + 2
    if isinstance(x0, list) and most > keep:
        raise Unacceptable(_("held {most} states at once for n = {n}, every = {every}: checkpointing keeps "
                             "the states x_0, x_every, x_2every, ... and one segment's states, at most {keep}; "
                             "the full tape keeps all {n}").format(most=most, n=n, every=every, keep=keep))
    if steps > 3 * n:
        raise Unacceptable(_("called step {steps} times for n = {n}, every = {every}: the way forward takes "
                             "n steps and the backward sweep recomputes each segment once from its "
                             "checkpoint, about 2n = {twice} in all, and the test allows {allowed} "
                             "(recomputing every state from x_0 takes about n^2 / 2)").format(
                                 steps=steps, n=n, every=every, twice=2 * n, allowed=3 * n))
    state = 8 * len(x0) if isinstance(x0, list) else 0
    bound = (keep + SLACK_STATES) * state + SLACK_BYTES
    if state >= 8 * STATE and not 0 <= peak <= bound:
        held_bytes = (_("an unknown number of bytes (tracing was stopped)") if peak < 0
                      else _("{count} bytes").format(count=peak))
        raise Unacceptable(_("allocated {allocated} at its peak for n = {n}, every = {every}, states of "
                             "{state} bytes: about {states} states, where checkpointing keeps "
                             "at most {keep} (copies of states count too)").format(
                                 allocated=held_bytes, n=n, every=every, state=state,
                                 states=f"{max(peak, 0) / state:.0f}", keep=keep))
    if answer is None:
        raise Unacceptable(_("returned {held}, not a pair (grad, x_n) of numbers").format(held=held))
    grad, x_n = answer
    return np.concatenate([np.ravel(grad), np.ravel(x_n)])


# --- tape_memory -----------------------------------------------------------------------------

def tape_lengths(seed: int) -> list[Case]:
    """Two cases of three lengths, each four times the one before."""
    firsts = generator(seed).integers(60, 120, size=2).tolist()
    return [Case(((n, 4 * n, 16 * n),)) for n in firsts]


def memory_scaling(function, lengths) -> np.ndarray:
    """The harness of `tape_memory` on three lengths n, 4n, 16n: the full tape's peak must
    grow like n (x4 from each length to the next, within 3.2 to 4.8), the checkpointed one
    like sqrt(n) (x2, within 1.4 to 2.8), and the checkpointed be below an eighth of the
    full tape's at 16n; each property that fails is said, with the ratios measured.
    Returns the lengths, which the reference's answer returns too."""
    pairs = []
    for n in lengths:
        pair = function(n)
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise Unacceptable(_("{call} returned {kind}, not a pair (full, checkpointed)").format(
                call=f"tape_memory({n})", kind=type(pair).__name__))
        values = as_array(pair)
        if values is None or values.dtype.kind not in "iuf" or not np.all(values > 0):
            raise Unacceptable(_("{call} returned {value}: two positive numbers of bytes").format(
                call=f"tape_memory({n})", value=show_value(pair)))
        pairs.append(values.astype(float))
    (f1, c1), (f4, c4), (f16, c16) = pairs
    n = lengths[0]
    wrong = []
    if not (3.2 < f4 / f1 < 4.8 and 3.2 < f16 / f4 < 4.8):
        wrong.append(_("the full tape's peak grew x{first} from n = {n} to {n4} and x{second} to {n16}, where it "
                       "holds n states: x4 each time").format(first=f"{f4 / f1:.2f}", n=n, n4=4 * n,
                                                              second=f"{f16 / f4:.2f}", n16=16 * n))
    if not (1.4 < c4 / c1 < 2.8 and 1.4 < c16 / c4 < 2.8):
        wrong.append(_("the checkpointed peak grew x{first} and x{second}, where about 2 sqrt(n) states are "
                       "kept: x2 each time (every = round(sqrt(n)))").format(first=f"{c4 / c1:.2f}",
                                                                             second=f"{c16 / c4:.2f}"))
    if not c16 < f16 / 8:
        wrong.append(_("at n = {n} the checkpointed peak ({checkpointed} bytes) is not below an eighth of the "
                       "full tape's ({full}): the pair is (full, checkpointed)").format(
                           n=16 * n, checkpointed=f"{c16:.0f}", full=f"{f16:.0f}"))
    if wrong:
        raise Unacceptable("; ".join(wrong))
    return np.array(lengths, dtype=float)


# --- typical mistakes ----------------------------------------------------------------------------

def _forward_over_reverse(f, x, v, read):
    xs = [Var(Dual(a, b)) for a, b in zip(np.asarray(x, dtype=float), np.asarray(v, dtype=float))]
    f(xs).backward()
    return np.array([read(xi.grad) for xi in xs])


def _gradient_returned(f, x, v):
    return _forward_over_reverse(f, x, v, lambda g: g.value if isinstance(g, Dual) else float(g))


def _ones_seeded(f, x, v):
    return _forward_over_reverse(f, x, np.ones(len(x)), tangent_of)


def _swapped_dual(f, x, v):
    return _forward_over_reverse(f, v, x, tangent_of)


def _same_column(f, x):
    return np.column_stack([ref.hvp(f, x, np.ones(len(x))) for _ in range(len(x))])


def _diagonal_only(f, x):
    return np.diag([ref.hvp(f, x, e)[j] for j, e in enumerate(np.eye(len(x)))])


def _newton(X, y, steps=10, ridge=1e-6, *, scale=True, curvature=lambda p: p * (1 - p), sign=-1.0,
            ridge_in=("g", "H"), method="newton"):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    m, d = X.shape
    w = np.zeros(d)
    losses = [logistic_loss(X, y, w, ridge)]
    for _unused in range(steps):
        p = sigmoid(X @ w)
        g = X.T @ (p - y) / m + (ridge * w if "g" in ridge_in else 0)
        H = X.T @ (X * curvature(p)[:, None]) / (m if scale else 1) + (ridge * np.eye(d) if "H" in ridge_in else 0)
        w = w + sign * (np.linalg.solve(H, g) if method == "newton" else g)
        losses.append(logistic_loss(X, y, w, ridge))
    return w, np.array(losses)


def _wrong_state(step, dstep, x0, n, every):
    """Checkpointing (as the reference does it) with dstep applied at x_(k+1), the
    step's output, instead of at its input x_k."""
    every = max(1, int(every))
    checkpoints, x = {0: x0}, x0
    for k in range(1, n + 1):
        x = step(x)
        if k % every == 0 and k < n:
            checkpoints[k] = x
    g, end = (np.ones_like(np.asarray(x, dtype=float)) if np.ndim(x) else 1.0), x
    for first in sorted((k for k in checkpoints if k < n), reverse=True):
        segment = [checkpoints.pop(first)]
        for _unused in range(first + 1, min(first + every, n)):
            segment.append(step(segment[-1]))
        outputs = segment[1:] + [end]
        end = segment[0]
        del segment
        while outputs:
            g = dstep(outputs.pop(), g)
    return g, x


def _one_step_short(step, dstep, x0, n, every):
    return ref.checkpointed_grad(step, dstep, x0, max(n - 1, 0), every)


def _swapped_pair(step, dstep, x0, n, every):
    grad, x_n = ref.checkpointed_grad(step, dstep, x0, n, every)
    return x_n, grad


MISTAKES = {
    "hvp": (
        Mistake("the gradient was returned: the values of the grads, not their tangents (H v is "
                "the tangent of each x_i.grad)", _gradient_returned),
        Mistake("the tangents were seeded with ones, not with v: x_i = Var(Dual(x_i, v_i))", _ones_seeded),
        Mistake("x and v were swapped: the value of x_i's Dual is x_i and its tangent v_i", _swapped_dual),
    ),
    "hessian": (
        Mistake("every column is hvp(f, x, ones): column j is H e_j, with e_j the j-th unit vector",
                _same_column),
        Mistake("only the diagonal was kept: column j of H is the whole vector H e_j", _diagonal_only),
    ),
    "newton_logistic": (
        Mistake("the ridge was left out of the Hessian: H = X^T diag(p(1-p)) X / m + ridge I",
                lambda X, y, steps=10, ridge=1e-6: _newton(X, y, steps, ridge, ridge_in=("g",))),
        Mistake("the ridge was left out of the gradient: g = X^T (p - y) / m + ridge w",
                lambda X, y, steps=10, ridge=1e-6: _newton(X, y, steps, ridge, ridge_in=("H",))),
        Mistake("the Hessian lost the 1/m of the mean: H = X^T diag(p(1-p)) X / m + ridge I",
                lambda X, y, steps=10, ridge=1e-6: _newton(X, y, steps, ridge, scale=False)),
        Mistake("the step went uphill: Newton's step is w - H^-1 g",
                lambda X, y, steps=10, ridge=1e-6: _newton(X, y, steps, ridge, sign=1.0)),
        Mistake("the Hessian's weights are p, not p (1 - p) (dp = p (1 - p) X dw)",
                lambda X, y, steps=10, ridge=1e-6: _newton(X, y, steps, ridge, curvature=lambda p: p)),
        Mistake("a gradient step w - g was taken, not Newton's w - H^-1 g",
                lambda X, y, steps=10, ridge=1e-6: _newton(X, y, steps, ridge, method="gradient")),
    ),
    "checkpointed_grad": (
        Mistake("dstep was applied at x_(k+1): the VJP of step k is taken at its input x_k", _wrong_state),
        Mistake("the pair was returned as (x_n, grad): the exercise returns (grad, x_n)", _swapped_pair),
        Mistake("n - 1 steps were taken: x_n is step applied n times to x_0, and its derivative a product "
                "of n VJPs", _one_step_short),
    ),
}
