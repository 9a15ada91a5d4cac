"""Hidden-test inputs and typical mistakes of chapter 01_numerical.

Each generator returns a list of `Case`s drawn from `autograder.cases.generator`: the
seed a test cell names, mixed with the salt of the submission being graded (the same
files graded again get the same inputs, another submission other ones). The inputs cover every
function of the catalogue, scalars, 0-d, 1-D and 3-D arrays, steps given by
position, by keyword and left to the default, and larger explicit steps at which a
wrong formula cannot hide behind the round-off of a tiny one.

`MISTAKES` lists, per exercise, what typical wrong answers compute, so that a
failure message can name the mistake it reproduces.
"""
from __future__ import annotations

import numpy as np

from adcourse.functions import (GRADIENT, JACOBIAN, RULES, SCALAR, Fn, backward_difference,
                                derivative_of, gradient_of)
from autograder.cases import generator
from adcourse.tolerance import POLICIES
from autograder.checking import Case, CheckFailure, Unacceptable, _answers
from adcourse.diagnostics import Mistake, as_array
from adcourse.i18n import _
from autograder.reference import numerical as ref

#: Explicit steps: large enough that formulas of different order give different values.
STEPS = (1e-1, 3e-2, 1e-2, 1e-3)
FIVE_POINT, BACKWARD = RULES
#: Array shapes the elementwise and gradient exercises are tried on (0-d to 3-D).
SHAPES = ((), (4,), (3, 2), (2, 3, 2))


def _point(rng, fn: Fn, shape=()):
    lo, hi = fn.domain
    return rng.uniform(lo, hi, size=shape) if shape else float(rng.uniform(lo, hi))


def _with_step(rng, args: tuple, steps=STEPS) -> Case:
    """The case with its step given by keyword, by position or not at all."""
    style = rng.integers(3)
    h = float(rng.choice(steps))
    if style == 0:
        return Case(args, {"h": h})
    if style == 1:
        return Case(args + (h,))
    return Case(args)


def derivative_cases(seed: int, steps=STEPS) -> list[Case]:
    """f', elementwise: every scalar function at a float, a 0-d, 1-D and 3-D array."""
    rng = generator(seed)
    cases = []
    for fn in SCALAR:
        cases.append(Case((fn, _point(rng, fn)), {"h": float(rng.choice(steps))}))
        cases.append(_with_step(rng, (fn, np.asarray(_point(rng, fn))), steps))
        cases.append(_with_step(rng, (fn, _point(rng, fn, (5,))), steps))
        cases.append(_with_step(rng, (fn, _point(rng, fn, (2, 3, 2))), steps))
    return cases


def gradient_cases(seed: int) -> list[Case]:
    """Gradients of scalar functions of arrays of every shape in SHAPES."""
    rng = generator(seed)
    return [_with_step(rng, (fn, _point(rng, fn, shape)), (1e-2, 1e-3, 1e-4))
            for fn in GRADIENT for shape in SHAPES]


def jacobian_cases(seed: int) -> list[Case]:
    """Jacobians of functions R^n -> R^m, most of them non-square."""
    rng = generator(seed)
    return [_with_step(rng, (fn, _point(rng, fn, (fn.shape[1],))), (1e-2, 1e-3, 1e-4))
            for fn in JACOBIAN for _ in range(2)]


def directional_cases(seed: int) -> list[Case]:
    """Functions R^n -> R^m and scalar functions of arrays, along random directions (of
    every length: J v scales with v), with explicit and default steps."""
    rng = generator(seed)
    cases = [_with_step(rng, (fn, _point(rng, fn, (fn.shape[1],)), 10.0 ** rng.uniform(-1, 1)
                              * rng.normal(size=fn.shape[1])), (1e-2, 1e-3, 1e-4))
             for fn in JACOBIAN for _ in range(2)]
    cases += [_with_step(rng, (fn, _point(rng, fn, shape), rng.normal(size=shape)), (1e-2, 1e-3))
              for fn in GRADIENT for shape in ((5,), (3, 2))]
    return cases


#: How many times `directional_difference` may evaluate f: the exercise's two.
DIRECTIONAL_EVALUATIONS = 2


def counted_evaluations(function, f, *args, **kwargs):
    """function(f, *args, **kwargs), refused when it evaluates f more than
    DIRECTIONAL_EVALUATIONS times (a directional difference costs two evaluations of f
    whatever the size of x: that is what it is for)."""
    calls = [0]

    def counted(z):
        calls[0] += 1
        return f(z)
    result = function(counted, *args, **kwargs)
    if calls[0] > DIRECTIONAL_EVALUATIONS:
        raise Unacceptable(_("f was evaluated {count} times; a directional difference needs "
                             "{allowed}, at x + h v and x - h v, whatever the size of x "
                             "(a Jacobian built column by column and multiplied by v costs 2n)").format(
                                 count=calls[0], allowed=DIRECTIONAL_EVALUATIONS))
    return result


def hessian_cases(seed: int) -> list[Case]:
    """Hessians of scalar functions at 1-D points of 1 to 4 entries, with steps at which
    formulas of different reach differ (1e-2) and the default."""
    rng = generator(seed)
    return [_with_step(rng, (fn, _point(rng, fn, (n,))), (1e-2, 3e-3)) for fn in GRADIENT for n in (1, 2, 4)]


#: The default step of each exercise that has one (the contract's).
DEFAULT_STEPS = {"forward_difference": 1e-6, "central_difference": 1e-5, "richardson": 1e-3,
                 "numerical_gradient": 1e-5, "numerical_jacobian": 1e-5,
                 "directional_difference": 1e-5, "numerical_hessian": 1e-4}


def check_default_step(function, exercise: str, seed: int) -> None:
    """CheckFailure unless `function`, called without h, gives what it gives with h set to
    the exercise's default (to the last bits: it is the same computation). Both sets of
    calls go to the kernel in one round trip each."""
    default = DEFAULT_STEPS[exercise]
    implicit = default_step_cases(exercise, seed)
    explicit = [Case(case.args, {**case.kwargs, "h": default}) for case in implicit]
    shown = lambda v: np.array2string(np.asarray(v, dtype=float).ravel()[:3], precision=15)  # noqa: E731
    failures = []
    for case, without, with_h in zip(implicit, _answers(function, implicit), _answers(function, explicit)):
        if isinstance(without, BaseException) or isinstance(with_h, BaseException):
            continue  # an error is the other checks' to report
        a, b = as_array(without[0]), as_array(with_h[0])
        if a is None or b is None or a.shape != b.shape or not POLICIES["same_value"].close(a, b).all():
            failures.append(_("{call}: called without h it gives {without}, and with h={step} {with_h}: "
                              "the default step must be h={step}, as the exercise states").format(
                                  call=case.show(exercise), without=shown(without[0]), step=f"{default:g}",
                                  with_h=shown(with_h[0])))
    if failures:
        raise CheckFailure(_("{failed} of {total} test cases of `{name}` failed.").format(
            failed=len(failures), total=len(implicit), name=exercise) + "\n\n" + "\n\n".join(failures[:2]))


def default_step_cases(exercise: str, seed: int) -> list[Case]:
    """Cases without a step, for `with_default_step`."""
    rng = generator(seed)
    if exercise in ("forward_difference", "central_difference", "richardson"):
        return [Case((fn, _point(rng, fn))) for fn in SCALAR[:4]]
    if exercise == "numerical_gradient":
        return [Case((fn, _point(rng, fn, (3,)))) for fn in GRADIENT[:3]]
    if exercise == "numerical_jacobian":
        return [Case((fn, _point(rng, fn, (fn.shape[1],)))) for fn in JACOBIAN[:2]]
    if exercise == "directional_difference":
        return [Case((fn, _point(rng, fn, (fn.shape[1],)), rng.normal(size=fn.shape[1]))) for fn in JACOBIAN[:2]]
    return [Case((fn, _point(rng, fn, (2,)))) for fn in GRADIENT[:3]]


def relative_error_cases(seed: int) -> list[Case]:
    """Pairs of scalars and arrays, with zeros, mixed signs, and explicit floors."""
    rng = generator(seed)
    a = rng.normal(size=(3, 4))
    b = a * (1 + 1e-3 * rng.normal(size=a.shape))
    b[0, 0] = -a[0, 0]
    zeros_a, zeros_b = np.array([0.0, 1.0, -2.0]), np.array([0.0, 1.5, -2.0])
    tiny_a, tiny_b = np.array([1e-9, 2e-3]), np.array([3e-9, 2.1e-3])
    return [
        Case((1.0, 1.0)),
        Case((3.0, -3.0)),
        Case((2.0, 2.5)),
        Case((np.asarray(1e-12), np.asarray(0.0))),
        Case((a, b)),
        Case((b, a)),
        Case((zeros_a, zeros_b)),
        Case((np.zeros(3), np.zeros(3))),
        Case((tiny_a, tiny_b)),
        Case((tiny_a, tiny_b), {"floor": 1e-6}),
        Case((tiny_a, tiny_b, 1.0)),
        Case((rng.normal(size=(2, 2, 2)) * 1e3, rng.normal(size=(2, 2, 2)) * 1e3)),
    ]


def gradient_check_cases(seed: int) -> list[Case]:
    """Right and wrong analytic gradients: relative errors from 1e-10 to 1."""
    rng = generator(seed)
    cases = []
    for fn in GRADIENT:
        x = _point(rng, fn, (3, 2))
        cases.append(Case((fn, gradient_of(fn), x)))
        cases.append(Case((fn, gradient_of(fn, scale=2.0), x), {"h": 1e-4}))
        cases.append(Case((fn, gradient_of(fn, shift=1e-3), x, 1e-3)))
    return cases


def step_errors_cases(seed: int) -> list[Case]:
    """Error curves of two methods that are not exercises, over lists and arrays of h."""
    rng = generator(seed)
    cases = []
    for i, fn in enumerate(SCALAR):
        hs = np.logspace(-1, -12, 12) if i % 2 else [10.0 ** -k for k in range(1, 9)]
        method = FIVE_POINT if i % 3 else BACKWARD
        cases.append(Case((fn, derivative_of(fn), _point(rng, fn), hs, method)))
    return cases


def _backward(f, x, h=1e-5):
    return backward_difference(f, x, h)


def _forward_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x)) / h
    return grad


def _forward_jacobian(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    return np.stack([(f(x + h * e) - f(x)) / h for e in np.eye(x.size)], axis=1)


def _directional_one_sided(f, x, v, h=1e-5):
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    return (np.asarray(f(x + h * v)) - np.asarray(f(x))) / h


def _directional_normalised(f, x, v, h=1e-5):
    v = np.asarray(v, dtype=float)
    return ref.directional_difference(f, x, v / np.linalg.norm(v), h)


def _hessian_with(f, x, h, denominator=4.0, mixed=True, diagonal_step=None):
    x = np.asarray(x, dtype=float)
    H = ref.numerical_hessian(f, x, h) * 4.0 / denominator
    if not mixed:
        H = np.diag(np.diag(H))
    if diagonal_step is not None:
        for i, e in enumerate(h * np.eye(x.size)):
            H[i, i] = (f(x + e) - 2 * f(x) + f(x - e)) / (h * h)
    return H


def _richardson_with(d, f, x, h, near, far):
    return (4 * d(f, x, near * h) - d(f, x, far * h)) / 3


MISTAKES = {
    "forward_difference": (
        Mistake("the central difference (f(x+h) - f(x-h)) / (2h) was used; the forward "
                "difference is (f(x+h) - f(x)) / h", ref.central_difference),
        Mistake("a backward difference (f(x) - f(x-h)) / h was used; the forward difference "
                "steps forward: (f(x+h) - f(x)) / h", _backward),
    ),
    "central_difference": (
        Mistake("a one-sided difference (f(x+h) - f(x)) / h was used; the central "
                "difference is (f(x+h) - f(x-h)) / (2h)", ref.forward_difference),
        Mistake("a one-sided (backward) difference (f(x) - f(x-h)) / h was used; the central "
                "difference is (f(x+h) - f(x-h)) / (2h)", _backward),
    ),
    "complex_step": (
        Mistake("Im f(x + ih) was not divided by h",
                lambda f, x, h=1e-20: np.imag(f(x + 1j * h))),
        Mistake("the real part was taken: the derivative is the imaginary part, Im f(x + ih) / h",
                lambda f, x, h=1e-20: np.real(f(x + 1j * h)) / h),
    ),
    "richardson": (
        Mistake("the weights are swapped: it is (4 D(h/2) - D(h)) / 3, the finer step weighted by 4",
                lambda f, x, h=1e-3: (4 * ref.central_difference(f, x, h)
                                      - ref.central_difference(f, x, h / 2)) / 3),
        Mistake("forward differences were extrapolated; D is the central difference",
                lambda f, x, h=1e-3: _richardson_with(ref.forward_difference, f, x, h, 0.5, 1)),
        Mistake("steps h and 2h were combined; the exercise asks for D(h/2) and D(h)",
                lambda f, x, h=1e-3: _richardson_with(ref.central_difference, f, x, h, 1, 2)),
        Mistake("the plain central difference D(h) was returned, without extrapolation",
                ref.central_difference),
    ),
    "numerical_gradient": (
        Mistake("forward differences were used; the exercise asks for central differences",
                _forward_gradient),
    ),
    "numerical_jacobian": (
        Mistake("forward differences were used; the exercise asks for central differences",
                _forward_jacobian),
    ),
    "directional_difference": (
        Mistake("a one-sided difference (f(x + h v) - f(x)) / h was used; the exercise asks for the "
                "central one, (f(x + h v) - f(x - h v)) / (2h)", _directional_one_sided),
        Mistake("the difference was divided by h; it spans 2h: (f(x + h v) - f(x - h v)) / (2h)",
                lambda f, x, v, h=1e-5: 2 * ref.directional_difference(f, x, v, h)),
        Mistake("v was normalised: J v is linear in v, so a longer v gives a proportionally larger "
                "answer", _directional_normalised),
    ),
    "numerical_hessian": (
        Mistake("the denominator is 4 h^2 (each of the two differences spans 2h), not 2 h^2",
                lambda f, x, h=1e-4: _hessian_with(f, x, h, denominator=2.0)),
        Mistake("the denominator is 4 h^2 (each of the two differences spans 2h), not h^2",
                lambda f, x, h=1e-4: _hessian_with(f, x, h, denominator=1.0)),
        Mistake("the mixed partials H[i, j], i != j, are missing: the formula holds for every i and j",
                lambda f, x, h=1e-4: _hessian_with(f, x, h, mixed=False)),
        Mistake("the diagonal used (f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h^2; the exercise's "
                "formula with i = j reaches 2h: (f(x + 2h e_i) - 2 f(x) + f(x - 2h e_i)) / (4 h^2)",
                lambda f, x, h=1e-4: _hessian_with(f, x, h, diagonal_step=h)),
    ),
    "relative_error": (
        Mistake("the denominator uses |a| only; it is max(|a|, |b|, floor), symmetric in a and b",
                lambda a, b, floor=1e-8: float(np.max(np.abs(np.subtract(a, b))
                                                      / np.maximum(np.abs(a), floor)))),
        Mistake("the floor was left out of the denominator max(|a|, |b|, floor)",
                lambda a, b, floor=1e-8: float(np.max(np.abs(np.subtract(a, b))
                                                      / np.maximum(np.abs(a), np.abs(b))))),
        Mistake("the mean was taken; the exercise asks for the largest elementwise error",
                lambda a, b, floor=1e-8: float(np.mean(
                    np.abs(np.subtract(a, b))
                    / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)))),
    ),
    "gradient_check": (
        Mistake("the absolute error max |grad_f(x) - numerical| was returned, not the relative one",
                lambda f, grad_f, x, h=1e-5: float(np.max(np.abs(
                    grad_f(x) - ref.numerical_gradient(f, x, h))))),
    ),
    "step_errors": (
        Mistake("relative errors were returned; the exercise asks for absolute errors "
                "|method(f, x, h) - df(x)|",
                lambda f, df, x, hs, method: np.array(
                    [abs(method(f, x, h) - df(x)) / abs(df(x)) for h in hs])),
    ),
}
