"""The checking API that the notebooks' test cells are written against.

Two calls cover the tests of every chapter:

    check_close(got, expected, "finite_difference", "central_difference(np.sin, 1.0)")
        a visible test: one value against a known one;

    compare(central_difference, "numerical.central_difference", cases, policy="exact")
        a hidden test: the student's function against the reference implementation
        (named, never imported by the test cell) on a list of `Case`s.

A failure raises `CheckFailure` (an AssertionError) whose message gives the input,
the expected and received values, the relative error and the tolerance, and, where
a typical mistake explains the difference, the mistake. How a comparison is carried
out lives here only, so it can change without touching any notebook.
"""
from __future__ import annotations

import contextvars
import copy
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from adcourse.checking import (CheckFailure, check_close, describe_exception,
                               difference_report, mismatch, not_data, show_argument, show_value)
from adcourse.diagnostics import Mistake, as_array, diagnose, recognise
from adcourse.i18n import _
from adcourse.remote import TimeLimitExceeded, limited, watched, with_globals
from adcourse.tolerance import Tolerance, policy as get_policy

from .sealed import KernelUnavailable

__all__ = ["Case", "CheckFailure", "Unacceptable", "check_close", "compare", "reference"]

#: How many failing cases a message spells out; the rest are counted.
REPORTED_FAILURES = 2

#: Whether a failing case is compared with the exercise's typical mistakes and the generic
#: diagnostics, to name what went wrong. Grading always names them; a test that asks only
#: which cells fail (the same cells under another salt) may turn it off, since the outcome,
#: pass or fail, is the same either way and naming runs every mistake on every failing case.
NAMING = contextvars.ContextVar("autograder_naming", default=True)


@dataclass(frozen=True)
class Case:
    """One input of a hidden test: positional and keyword arguments."""

    args: tuple
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def fresh(self) -> tuple[tuple, dict]:
        """Deep copies of the arguments, so that no call can change another's input."""
        return copy.deepcopy(self.args), copy.deepcopy(dict(self.kwargs))

    def show(self, name: str) -> str:
        parts = [show_argument(a) for a in self.args]
        parts += [f"{k}={show_argument(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


class Unacceptable(Exception):
    """Raised by a harness when an answer is of a kind the exercise does not accept
    (the message says what was returned and what was expected)."""


# --- the comparison -------------------------------------------------------------------

def reference(dotted: str) -> Callable:
    """The reference implementation named "chapter_module.function"."""
    module, _dot, function = dotted.rpartition(".")
    return getattr(importlib.import_module(f"autograder.reference.{module}"), function)


def known_mistakes(dotted: str) -> tuple[Mistake, ...]:
    """The typical mistakes that the chapter's cases module lists for this exercise."""
    module, _dot, function = dotted.rpartition(".")
    try:
        cases = importlib.import_module(f"autograder.cases.{module}")
    except ModuleNotFoundError:
        return ()
    return tuple(getattr(cases, "MISTAKES", {}).get(function, ()))


def _modified(before: tuple, after: tuple) -> int | None:
    """Index of the first array argument whose contents changed, if any.

    A change in the last bits (x[i] += h; x[i] -= h) does not count as a change.
    """
    same = get_policy("same_value")
    for i, (b, a) in enumerate(zip(before, after)):
        if isinstance(b, np.ndarray) and not (
            isinstance(a, np.ndarray) and a.shape == b.shape and same.close(a, b).all()
        ):
            return i
    return None


def _answers(student, cases: list[Case]) -> list:
    """The student's answer to each case, with its arguments after the call: a
    (value, args) pair, or the exception the call raised. A function in the student's
    kernel answers all cases in one round trip."""
    calls = [case.fresh() for case in cases]
    if hasattr(student, "call_each"):
        return [r if isinstance(r, Exception) else (r[0], args)
                for (args, _kwargs), r in zip(calls, student.call_each(calls))]
    answers = []
    for args, kwargs in calls:
        try:
            answers.append((student(*args, **kwargs), args))
        except KernelUnavailable:
            raise
        except (Exception, TimeLimitExceeded) as exc:
            answers.append(exc)
    return answers


def _run_case(answer, ref, case: Case, tol, name, mistakes) -> str | None:
    """None if the student's `answer` on `case` is right, else the message for it."""
    def call(fn):
        args, kwargs = case.fresh()
        return fn(*args, **kwargs)

    if isinstance(answer, NotImplementedError):
        raise CheckFailure(describe_exception(answer, name)) from None
    if isinstance(answer, Unacceptable):
        return f"{case.show(name)}: {answer}"
    if isinstance(answer, BaseException):  # the student's error is the finding
        return f"{case.show(name)}: {describe_exception(answer, name)}"
    got, args = answer
    found = not_data(got)
    if found is not None:  # judged here on data only: never by the student's own operators
        return _("{call} returned {found}, not a number or an array").format(call=case.show(name), found=found)
    changed = _modified(case.args, args)
    if changed is not None:
        return _("{call} modified its argument {number} in place; the function must leave "
                 "its inputs unchanged (work on a copy, e.g. x.copy(), or restore what you "
                 "change)").format(call=case.show(name), number=changed + 1)
    expected = call(ref)
    why = mismatch(got, expected, tol)
    if why is None:
        return None
    hint, e = None, as_array(expected)
    if NAMING.get() and e is not None:
        # A mistake the chapter names, when one reproduces the answer, says more than a
        # generic hint (the NaN of a general power rule is the rule's, not any NaN).
        hint = recognise(got, mistakes, call, tol, e) or diagnose(got, expected, tol)
    return difference_report(case.show(name), got, expected, tol, why, hint)


def _harnessed(harness: Callable, function: Callable) -> Callable:
    def run(*args, **kwargs):
        return harness(function, *args, **kwargs)
    return run


def compare(student: Callable, reference_name: str, cases: Iterable[Case], *,
            policy: str | Tolerance = "exact", isolate: Iterable[str] = (),
            name: str | None = None, harness: Callable | None = None,
            forbid: Iterable[str] = (), seconds: float | None = None) -> None:
    """Check `student` against the reference `reference_name` on every case.

    `isolate` names other exercises of the chapter that this one may call (for
    example `relative_error` inside `gradient_check`): while the student's function
    runs, those names refer to the reference implementations, so that a mistake in
    a helper is charged to the helper's exercise only.
    `harness(function, *args, **kwargs)`, when given, is what is compared instead of
    `function(*args, **kwargs)`, for the student's function, the reference and every
    mistake alike: it turns answers that are not numbers (an expression, an object,
    a function) into values, e.g. an expression's values at a few points.
    `forbid` names libraries (top-level packages, "sympy") whose code must not run
    while the student's function is called: a case that runs one fails and says so.
    `seconds` limits each call of the student's function: a call that runs longer fails
    with `TimeLimitExceeded` (for tests whose wrong answers never finish).
    Raises `CheckFailure` if any case failed. Returns None: a test cell's value would
    be read by nbgrader as partial credit.
    """
    __tracebackhide__ = True
    if not callable(student):
        raise CheckFailure(_("expected a function, got {kind} {value}: did the exercise's cell "
                             "run?").format(kind=type(student).__name__, value=show_value(student)))
    tol = get_policy(policy)
    name = name or reference_name.rpartition(".")[2]
    ref = reference(reference_name)
    module = reference_name.rpartition(".")[0]
    helpers = {helper: reference(f"{module}.{helper}") for helper in isolate}
    if helpers and hasattr(student, "with_globals"):  # a function in the student's kernel
        student = student.with_globals(helpers)
    elif helpers:
        student = with_globals(student, helpers)
    forbid = tuple(forbid)
    if forbid:
        student = student.watching(forbid) if hasattr(student, "watching") else watched(student, forbid)
    if seconds:
        student = student.within(seconds) if hasattr(student, "within") else limited(student, seconds)
    mistakes = known_mistakes(reference_name)
    if harness is not None:
        student, ref = _harnessed(harness, student), _harnessed(harness, ref)
        mistakes = tuple(Mistake(m.description, _harnessed(harness, m.fn), m.fields) for m in mistakes)
    cases = list(cases)
    answers = _answers(student, cases)
    failures = [msg for case, answer in zip(cases, answers)
                if (msg := _run_case(answer, ref, case, tol, name, mistakes))]
    if failures:
        shown = "\n\n".join(failures[:REPORTED_FAILURES])
        more = len(failures) - REPORTED_FAILURES
        tail = "\n\n" + _("(and {count} more failing cases)").format(count=more) if more > 1 else \
            "\n\n" + _("(and 1 more failing case)") if more == 1 else ""
        raise CheckFailure(_("{failed} of {total} test cases of `{name}` failed.").format(
            failed=len(failures), total=len(cases), name=name) + f"\n\n{shown}{tail}")


