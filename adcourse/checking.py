"""Checks a student can run: one value against a known one, with a diagnosis.

`check_close` is what the notebooks' visible tests call. It lives in the course's
student-side package because it runs wherever the student runs the notebook; the
grader uses the same code (`autograder.checking` builds the hidden tests on it).
"""
from __future__ import annotations

import traceback
import types
from pathlib import Path
from typing import Mapping

import numpy as np

from .diagnostics import as_array, diagnose
from .i18n import N_, _
from .tolerance import Tolerance, policy as get_policy
from .wire import Proxy


#: Frames of the course's own library, left out when pointing at a student's line.
_LIBRARY = tuple(str(Path(__file__).resolve().parent.parent / name) for name in ("adcourse", "autograder"))


#: The mismatch of a value of the wrong type or shape (the report says no more about it).
WRONG_SHAPE = N_("wrong type or shape")


class CheckFailure(AssertionError):
    """A test found a wrong answer; the message says what and, if known, why."""


def show_value(value) -> str:
    """A short, exact-enough rendering of a value for a message."""
    array = as_array(value)
    if array is None:
        return repr(value) if len(repr(value)) < 200 else repr(value)[:200] + "..."
    if array.ndim == 0:
        return f"{array.item():.10g}" if not np.iscomplexobj(array) else f"{array.item():.10g}"
    text = np.array2string(array, precision=8, threshold=24, edgeitems=3, max_line_width=100)
    return f"{text} (shape {array.shape})"


def show_argument(value) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"np.array({np.array2string(value, precision=6, separator=', ')})"
        return f"<array of shape {value.shape}>"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{type(value).__name__} of {len(value)} values>"
    return repr(value)


def student_line(exc: BaseException) -> str:
    """"`code` (line N of its cell)" for the student's line where `exc` was raised, or ""."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_LIBRARY)]
    if not frames or not frames[-1].line:
        return ""
    return _("`{code}` (line {number} of its cell)").format(code=frames[-1].line.strip(),
                                                             number=frames[-1].lineno)


def describe_exception(exc: BaseException, name: str) -> str:
    if isinstance(exc, NotImplementedError):
        return _("`{name}` is not answered yet: replace `raise NotImplementedError()` "
                 "in its cell with your code").format(name=name)
    # An error raised in the student's kernel arrives with its name and line attached.
    ename, line = getattr(exc, "ename", type(exc).__name__), getattr(exc, "line", None)
    if line is None:
        line = student_line(exc)
    if line:
        return _("`{name}` raised {error}: {message} at {line}").format(
            name=name, error=ename, message=exc, line=line)
    return _("`{name}` raised {error}: {message}").format(name=name, error=ename, message=exc)


def not_data(value, depth: int = 0) -> str | None:
    """What in `value` is not data, or None: when grading, an object of the student's
    (a proxy, `adcourse.wire.Proxy`) where a number, an array or a container of them is
    checked. Such an object's own operators would decide the comparison, so no check
    accepts one."""
    if isinstance(value, Proxy):
        return value.not_data()
    if depth > 32:
        return None
    if isinstance(value, (tuple, list)):
        return next((found for item in value if (found := not_data(item, depth + 1))), None)
    if isinstance(value, dict):
        return next((found for item in value.values() if (found := not_data(item, depth + 1))), None)
    return None


def mismatch(got, expected, tol: Tolerance) -> str | None:
    """Why `got` is not `expected` within `tol`, or None if it is."""
    if isinstance(got, Proxy):
        return _("got {what}, not a number or an array").format(what=got.not_data())
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return _("expected a {kind} of {count} values").format(kind=type(expected).__name__,
                                                                   count=len(expected))
        for i, (g, e) in enumerate(zip(got, expected)):
            why = mismatch(g, e, tol)
            if why:
                return _("item {index}: {why}").format(index=i, why=why)
        return None
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping) or set(got) != set(expected):
            return _("expected a dict with keys {keys}").format(keys=sorted(expected))
        for key in expected:
            why = mismatch(got[key], expected[key], tol)
            if why:
                return f"[{key!r}]: {why}"
        return None
    g, e = as_array(got), as_array(expected)
    if g is None or g.shape != e.shape:
        return _(WRONG_SHAPE)
    with np.errstate(all="ignore"):
        ok = tol.close(g, e).all()
    return None if ok else _("values differ")


def difference_report(what: str, got, expected, tol: Tolerance, why: str,
                      hint: str | None) -> str:
    """The message for a wrong value: input, expected, got, relative error, mistake."""
    lines = [what, "    " + _("expected: {value}").format(value=show_value(expected)),
             "    " + _("got:      {value}").format(value=show_value(got))]
    e, g = as_array(expected), as_array(got)
    if e is not None and g is not None and e.shape == g.shape:
        lines.append("    " + _("relative error {error} (tolerance: {rtol} relative, policy '{policy}')").format(
            error=f"{tol.relative_error(g, e):.3g}", rtol=f"{tol.rtol:g}", policy=tol.name))
    elif why != _(WRONG_SHAPE):
        lines.append(f"    {why}")
    if hint:
        lines.append("    " + _("likely mistake: {hint}").format(hint=hint))
    return "\n".join(lines)


def check_close(got, expected, policy: str | Tolerance, what: str) -> None:
    """A visible test: `got` (the value of the expression `what`) must be `expected`."""
    __tracebackhide__ = True  # IPython shows the test's line, not this function's
    tol = get_policy(policy)
    found = not_data(got)
    if found is not None:
        raise CheckFailure(_("{what}: returned {found}, not a number or a NumPy array").format(
            what=what, found=found))
    why = mismatch(got, expected, tol)
    if why is None:
        return
    raise CheckFailure(difference_report(what, got, expected, tol, why,
                                         diagnose(got, expected, tol)))
