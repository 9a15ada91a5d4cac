"""Chapter 03's exercise `tagged_derivative`: its hidden inputs (programs of nested
derivatives from the catalogue, `adcourse.functions.NESTED`), their harness, and the
builders of its typical mistakes (a TaggedDual with another rule for two tags, a
derivative_tagged with other tags or another reading of the result), which
`autograder.cases.forward` lists in MISTAKES.
"""
from __future__ import annotations

from adcourse.functions import NESTED, NESTED_PROGRAM
from autograder.cases import generator
from autograder.checking import Case
from autograder.reference import forward as ref
from autograder.sealed import in_kernel


def nested(function, program, x0):
    """The harness of `derivative_tagged`: program(function, x0), a program of nested
    derivatives from the catalogue, run where the function lives (the student's kernel for
    theirs), so that every nested call is a call of the same derivative_tagged."""
    return in_kernel(NESTED_PROGRAM, function)((function, program, x0))


def tagged_cases(seed: int) -> list[Case]:
    """Every program of nested derivatives (outer and inner operands in both orders, three
    levels, a result constant in the inner variable, two inner calls in one sum) and the
    plain ones (polynomials, constants), each at three random points, one of them negative."""
    rng = generator(seed)
    return [Case((program, float(x0))) for program in NESTED
            for x0 in (rng.uniform(0.3, 2.0), rng.uniform(-2.0, -0.3), rng.uniform(-2.0, 2.0))]


def tagged_class(outer_is_self):
    """A TaggedDual whose rule for two different tags is `outer_is_self(a, b)`: True when a
    (the left operand) is made the outer dual number of a op b."""
    class Tagged:
        def __init__(self, value, tangent, tag):
            self.value, self.tangent, self.tag = value, tangent, tag

        def __add__(self, other):
            if isinstance(other, Tagged) and other.tag == self.tag:
                return Tagged(self.value + other.value, self.tangent + other.tangent, self.tag)
            if isinstance(other, Tagged) and not outer_is_self(self, other):
                return other + self
            return Tagged(self.value + other, self.tangent, self.tag)

        def __mul__(self, other):
            if isinstance(other, Tagged) and other.tag == self.tag:
                return Tagged(self.value * other.value,
                              self.tangent * other.value + self.value * other.tangent, self.tag)
            if isinstance(other, Tagged) and not outer_is_self(self, other):
                return other * self
            return Tagged(self.value * other, self.tangent * other, self.tag)

        def __neg__(self):
            return Tagged(-self.value, -self.tangent, self.tag)

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return (-self) + other

        __radd__ = __add__
        __rmul__ = __mul__
    return Tagged


def tagged_derivative(tagged=None, fresh=True, check_tag=True):
    """derivative_tagged with the class `tagged` (by default the reference's TaggedDual,
    the newer tag outer), a fresh tag per call or the same one, and the coefficient read
    as the exercise says or whatever its tag."""
    tagged = tagged or ref.TaggedDual
    last = [0]

    def derivative_tagged(f, x):
        last[0] += fresh
        tag = last[0] if fresh else 1

        def coefficient(y):
            if not isinstance(y, tagged):
                return 0.0
            if y.tag == tag or not check_tag:
                return y.tangent
            return tagged(coefficient(y.value), coefficient(y.tangent), y.tag)
        return coefficient(f(tagged(x, 1.0, tag)))
    return derivative_tagged
