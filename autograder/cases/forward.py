"""Hidden-test inputs, harnesses and typical mistakes of chapter 03_forward.

A student's `Dual` lives in their kernel: a test builds Duals through it and reads
`.value` and `.tangent` back as numbers. The harnesses below run the same little
program (build the operands, apply one operation) with the student's class, the
reference class, or a mistaken one, and turn the resulting dual number into an array
of its parts [value..., tangent...] (nested Duals: every level), which is what is
compared. Test functions for `derivative`, `jvp`, ... are the catalogue's dual-ready
functions (`adcourse.functions.DUAL_SCALAR`, `DUAL_JACOBIAN`), which run in the
student's kernel on the student's Duals.
"""
from __future__ import annotations

import operator

import numpy as np

from adcourse.diagnostics import Mistake
from adcourse.functions import DUAL_JACOBIAN, DUAL_SCALAR, VECTOR_MODE_PROGRAM, Fn
from adcourse.i18n import _
from autograder.cases import generator, ours
from autograder.checking import Case, Unacceptable
from autograder.reference import forward as ref
from autograder.sealed import in_kernel

from .tagging import nested, tagged_cases, tagged_class, tagged_derivative  # noqa: F401 (the hidden test's)

OPERATIONS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
}


def _number_like(x) -> bool:
    return isinstance(x, (int, float, bool, np.ndarray, np.generic))


def parts(result) -> np.ndarray:
    """[value..., tangent...] of a dual number, every nesting level, as one float array."""
    if _number_like(result):
        return np.atleast_1d(np.asarray(result, dtype=float)).ravel()
    try:
        value, tangent = result.value, result.tangent
    except Exception:
        raise Unacceptable(_("returned {value}, not a dual number (with `value` and `tangent`) nor a "
                             "number").format(value=f"{result!r:.100}")) from None
    value_parts, tangent_parts = parts(value), parts(tangent)
    if tangent_parts.size == 1 and value_parts.size > 1:  # a constant tangent, broadcast
        tangent_parts = np.broadcast_to(tangent_parts, value_parts.shape)
    return np.concatenate([value_parts, tangent_parts])


def build(dual_class, spec):
    """The operand `spec` describes: a number, an array, or ("dual", value, tangent)."""
    if isinstance(spec, tuple) and spec and spec[0] == "dual":
        return dual_class(build(dual_class, spec[1]), build(dual_class, spec[2]))
    if isinstance(spec, tuple) and spec and spec[0] == "dual of a value":  # Dual(value): the default tangent
        return dual_class(build(dual_class, spec[1]))
    return spec


def dual_program(dual_class, op, a, b=None):
    """`a op b` (or -a when op is "neg") with operands built by `dual_class`, as parts."""
    left = build(dual_class, a)
    if op == "neg":
        return parts(-left)
    return parts(OPERATIONS[op](left, build(dual_class, b)))


def _ours(function) -> bool:
    return ours(function, ref.__name__, __name__)


def on_dual(student_dual):
    """A harness for the elementary functions: the input built as a Dual of the class
    that goes with the function (the student's for the student's function)."""
    def harness(function, spec):
        dual_class = ref.Dual if _ours(function) else student_dual
        return parts(function(build(dual_class, spec)))
    return harness


class _Operand(tuple):
    """("dual", value, tangent), shown in messages as Dual(value, tangent)."""

    def __repr__(self):
        return f"Dual({_show(self[1])}, {_show(self[2])})"


class _Constant(tuple):
    """("dual of a value", value), shown in messages as Dual(value)."""

    def __repr__(self):
        return f"Dual({_show(self[1])})"


def _show(v):
    if isinstance(v, np.ndarray):
        return f"np.array({np.array2string(v, precision=4, separator=', ')})"
    return repr(v) if isinstance(v, _Operand) else f"{v:.6g}"


def dual(value, tangent):
    return _Operand(("dual", value, tangent))


def constant(value):
    """Dual(value), built with the default tangent (0: a constant)."""
    return _Constant(("dual of a value", value))


# --- cases ---------------------------------------------------------------------------------

def dual_cases(seed: int) -> list[Case]:
    """Every operation, with Duals and numbers on either side, arrays, broadcasting, nesting."""
    rng = generator(seed)
    u = lambda: float(rng.uniform(0.5, 2.0))  # noqa: E731
    cases = []
    for op in ("+", "-", "*", "/"):
        cases.append(Case((op, dual(u(), u()), dual(u(), -u()))))
        cases.append(Case((op, dual(u(), u()), u())))
        cases.append(Case((op, u(), dual(u(), u()))))
        cases.append(Case((op, dual(rng.uniform(0.5, 2, 4), rng.normal(size=4)), dual(rng.uniform(0.5, 2, 4), rng.normal(size=4)))))
        cases.append(Case((op, dual(rng.uniform(0.5, 2, (2, 3)), rng.normal(size=(2, 3))), rng.uniform(0.5, 2, 3))))
        cases.append(Case((op, dual(dual(u(), 1.0), dual(u(), 0.0)), dual(dual(u(), 0.5), dual(-u(), 0.0)))))
    cases += [
        Case(("**", dual(u(), u()), 3.0)), Case(("**", dual(u(), u()), 2.5)),
        Case(("**", dual(u(), u()), -1.0)), Case(("**", u(), dual(u(), u()))),
        Case(("**", dual(u(), u()), dual(u(), u()))),
        Case(("**", dual(rng.uniform(0.5, 2, 3), rng.normal(size=3)), 2.0)),
        Case(("**", dual(dual(u(), 1.0), dual(1.0, 0.0)), 3.0)),
        # x ** x with x a Dual of Duals: what second_derivative(lambda x: x ** x, a) computes
        *(Case(("**", x, x)) for x in [dual(dual(u(), 1.0), dual(1.0, 0.0))]),
        # a negative base and a constant exponent: the power rule, defined there
        Case(("**", dual(-u(), u()), 3.0)), Case(("**", dual(-u(), u()), 2.0)),
        Case(("neg", dual(u(), u()))), Case(("neg", dual(rng.normal(size=3), rng.normal(size=3)))),
    ]
    for op in ("<", ">", "<=", ">="):
        cases.append(Case((op, dual(1.0, 5.0), dual(2.0, -5.0))))
        cases.append(Case((op, dual(2.0, 0.0), 1.5)))
        # equal values: the tangents play no part (<= and >= hold, < and > do not)
        cases.append(Case((op, dual(1.0, 5.0), dual(1.0, -5.0))))
        cases.append(Case((op, dual(2.0, 1.0), 2.0)))
    # Dual(value): a constant, tangent 0
    cases += [Case(("*", dual(u(), u()), constant(u()))), Case(("+", constant(u()), dual(u(), u()))),
              Case(("-", constant(u()), u()))]
    return cases


FUNCTIONS = ("sin", "cos", "exp", "log", "sqrt", "tanh")
#: Where each elementary function is evaluated.
DOMAINS = {"sin": (-3.0, 3.0), "cos": (-3.0, 3.0), "exp": (-2.0, 2.0), "log": (0.2, 4.0),
           "sqrt": (0.2, 4.0), "tanh": (-2.0, 2.0)}


def elementary_cases(name: str, seed: int) -> list[Case]:
    """Floats, arrays, Duals of floats and of arrays, and nested Duals, inside the domain."""
    rng = generator(seed)
    lo, hi = DOMAINS[name]
    p = lambda size=None: rng.uniform(lo, hi, size)  # noqa: E731
    return [Case((float(p()),)), Case((p(4),)), Case((dual(float(p()), 1.0),)),
            Case((dual(float(p()), float(rng.normal())),)), Case((dual(p(5), rng.normal(size=5)),)),
            Case((dual(p((2, 2)), 1.0),)), Case((dual(dual(float(p()), 1.0), dual(1.0, 0.0)),))]


def _point(rng, fn: Fn, shape=()):
    lo, hi = fn.domain
    return rng.uniform(lo, hi, size=shape) if shape else float(rng.uniform(lo, hi))


def _negative(fn: Fn, shape=()):
    """A point where every coordinate is negative, when the function's domain has some
    (a power with a number exponent at a negative base: the same draw for every submission)."""
    lo, hi = fn.domain
    return np.full(shape, 0.6 * lo) if shape else 0.6 * lo


def derivative_cases(seed: int) -> list[Case]:
    """Every dual-ready scalar function at two floats and at an array, and at a negative
    point where its domain has one."""
    rng = generator(seed)
    return ([Case((fn, _point(rng, fn, shape))) for fn in DUAL_SCALAR for shape in ((), (), (3,))]
            + [Case((fn, _negative(fn))) for fn in DUAL_SCALAR if fn.domain[0] < 0])


def second_derivative_cases(seed: int) -> list[Case]:
    rng = generator(seed)
    return ([Case((fn, _point(rng, fn))) for fn in DUAL_SCALAR for _ in range(2)]
            + [Case((fn, _negative(fn))) for fn in DUAL_SCALAR if fn.domain[0] < 0])


def jvp_cases(seed: int) -> list[Case]:
    """Every dual-ready function R^n -> R^m, at random points along random directions."""
    rng = generator(seed)
    return ([Case((fn, _point(rng, fn, (fn.shape[1],)), rng.normal(size=fn.shape[1])))
             for fn in DUAL_JACOBIAN for _ in range(2)]
            + [Case((fn, _negative(fn, (fn.shape[1],)), rng.normal(size=fn.shape[1])))
               for fn in DUAL_JACOBIAN if fn.domain[0] < 0])


def vector_mode(function, f, x):
    """The harness of `jacobian_vector_mode`: its Jacobian, computed where it lives (the
    student's kernel for theirs), refused unless f was called once."""
    return in_kernel(VECTOR_MODE_PROGRAM, function)((function, f, x))


def jacobian_cases(seed: int) -> list[Case]:
    rng = generator(seed)
    return ([Case((fn, _point(rng, fn, (fn.shape[1],)))) for fn in DUAL_JACOBIAN for _ in range(2)]
            + [Case((fn, _negative(fn, (fn.shape[1],)))) for fn in DUAL_JACOBIAN if fn.domain[0] < 0])


# --- typical mistakes -------------------------------------------------------------------------

class _ProductRuleOnlyOneSide(ref.Dual):
    def __mul__(self, other):
        if isinstance(other, ref.Dual):
            return type(self)(self.value * other.value, self.tangent * other.value)
        return type(self)(self.value * other, self.tangent * other)

    __rmul__ = __mul__


class _ReflectedDivisionSwapped(ref.Dual):
    def __rtruediv__(self, other):
        return self / other


class _ExponentialWithoutLog(ref.Dual):
    def __rpow__(self, other):
        power = other ** self.value
        return type(self)(power, power * self.tangent)


class _PowerNotLowered(ref.Dual):
    def __pow__(self, other):
        if isinstance(other, ref.Dual):
            return ref.Dual.__pow__(self, other)
        return type(self)(self.value ** other, other * self.value ** other * self.tangent)



class _GeneralPowerForConstants(ref.Dual):
    """A number exponent taken as a Dual with tangent 0: the general rule's w' log u is
    0 * nan for a negative base."""

    def __pow__(self, other):
        if isinstance(other, ref.Dual):
            return ref.Dual.__pow__(self, other)
        return ref.Dual.__pow__(self, ref.Dual(other, 0.0))


class _DefaultTangentOne(ref.Dual):
    def __init__(self, value, tangent=1.0):
        super().__init__(value, tangent)


class _StrictComparisons(ref.Dual):
    def __le__(self, other):
        return self.value < (other.value if isinstance(other, ref.Dual) else other)

    def __ge__(self, other):
        return self.value > (other.value if isinstance(other, ref.Dual) else other)


def _chainless(name):
    f, df = {"sin": (np.sin, np.cos), "cos": (np.cos, lambda v: -np.sin(v)), "exp": (np.exp, np.exp),
             "log": (np.log, lambda v: 1 / v), "sqrt": (np.sqrt, lambda v: 0.5 / np.sqrt(v)),
             "tanh": (np.tanh, lambda v: 1 - np.tanh(v) ** 2)}[name]

    def wrong(x):
        if isinstance(x, ref.Dual) and not isinstance(x.value, ref.Dual):
            return ref.Dual(f(x.value), df(x.value))
        return getattr(ref, name)(x)
    wrong.__module__ = __name__
    return wrong


MISTAKES = {
    "derivative_tagged": (
        Mistake("the tangent of f's result was read whatever its tag: a TaggedDual of an outer "
                "call's tag holds that call's perturbation, not this one's (when f does not depend "
                "on its variable, its derivative is 0); read the tangent of a TaggedDual of this "
                "call's tag only, look into the value and tangent of another tag's, and give 0.0 "
                "for a number", tagged_derivative(check_tag=False)),
        Mistake("perturbation confusion: every call used the same tag (or none), so an inner call "
                "took the outer call's perturbation for its own (d/dx [x * d/dy (x + y)] gave 2, "
                "not 1); each call must take a fresh tag, newer than the tags of the calls it runs "
                "inside (a counter that grows), and seed TaggedDual(x, 1.0, tag)",
                tagged_derivative(fresh=False)),
        Mistake("when two tags met, the left operand was made the outer dual number whatever the "
                "tags: then inner * outer and outer * inner nest differently and a later operation "
                "treats a dual number that holds its perturbation as a constant; the newer (larger) "
                "tag is the outer one, on either side",
                tagged_derivative(tagged_class(lambda a, b: True))),
        Mistake("the older tag was made the outer dual number: an inner call seeded at a point that "
                "depends on an outer variable, TaggedDual(x, 1.0, t) with x a TaggedDual of an older "
                "tag, already has the newer tag outside, and the two nestings mixed; the newer "
                "(larger) tag is the outer one",
                tagged_derivative(tagged_class(lambda a, b: a.tag < b.tag))),
    ),
    "Dual": (
        Mistake("the product rule keeps one term only: (a + a'd)(b + b'd) has tangent a' b + a b'",
                _ProductRuleOnlyOneSide),
        Mistake("number / Dual was computed as Dual / number: c / (b + b'd) = c/b - (c b' / b**2) d",
                _ReflectedDivisionSwapped),
        Mistake("the power rule kept the exponent: (a + a'd)**n has tangent n a**(n-1) a'",
                _PowerNotLowered),
        Mistake("a number exponent went through the general power rule u**w = exp(w log u), whose "
                "w' log u is 0 * nan for a negative base: (a + a'd)**n has tangent n a**(n-1) a', "
                "defined for every a (the general rule is for a Dual exponent)", _GeneralPowerForConstants),
        Mistake("Dual(value) is a constant: its default tangent is 0.0, not 1.0",
                _DefaultTangentOne),
        Mistake("<= and >= are by value, so Dual(1, 5) <= Dual(1, -5) is True: they were "
                "written as < and >", _StrictComparisons),
        Mistake("number ** Dual lost the factor log(number): c ** (b + b'd) = c**b + c**b log(c) b' d",
                _ExponentialWithoutLog),
    ),
    "derivative": (
        Mistake("the value f(x) was returned; the derivative is the tangent of f(Dual(x, 1))",
                lambda f, x: f(ref.Dual(x, 1.0)).value),
    ),
    "jvp": (
        Mistake("the pair is (J v, f(x)); the exercise asks for (f(x), J v)",
                lambda f, x, v: tuple(reversed(ref.jvp(f, x, v)))),
    ),
    "jacobian_vector_mode": (
        Mistake("the Jacobian is transposed: row i of the output's tangent is the gradient of "
                "f_i, so the result is the tangent itself, (m, n)",
                lambda f, x: ref.jacobian_vector_mode(f, x).T),
        Mistake("the input's tangent was the vector of ones: that is one direction, and gives "
                "J times (1, ..., 1); the n directions at once are the identity, np.eye(n)",
                lambda f, x: np.asarray(f(ref.Dual(np.asarray(x, dtype=float), np.ones(np.size(x)))).tangent)),
    ),
    "second_derivative": (
        Mistake("the first derivative was returned: f'' is the tangent of the tangent, "
                "f(Dual(Dual(x, 1), Dual(1, 0))).tangent.tangent",
                lambda f, x: f(ref.Dual(ref.Dual(x, 1.0), ref.Dual(1.0, 0.0))).tangent.value),
    ),
}
for _name in FUNCTIONS:
    MISTAKES[_name] = (Mistake("the chain rule is missing: {name}(a + a'd) has tangent "
                               "{name}'(a) times a'", _chainless(_name), {"name": _name}),)
