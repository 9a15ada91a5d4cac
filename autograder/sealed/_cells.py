"""A test cell run in the grader, within its time (see autograder.sealed)."""
from __future__ import annotations

import builtins
import contextlib
import functools
import io
import math
import signal
import threading
from typing import Any

import numpy as np

from adcourse import functions
from adcourse.i18n import _
from adcourse.remote import TimeLimitExceeded, alarm

from ._bridge import OUTPUT_LIMIT, Bridge
from ._proxy import CallbackTimeLimit, GraderTimeLimit, KernelUnavailable, NotData, _names_used


#: What test cells may use besides builtins and their own variables.
TRUSTED: dict[str, Any] = {"np": np, "numpy": np, "math": math}


def trusted_namespace() -> dict:
    from adcourse import checking

    namespace = dict(TRUSTED)
    namespace.update({name: getattr(functions, name) for name in ("SCALAR", "GRADIENT", "JACOBIAN")})
    namespace["check_close"] = checking.check_close
    namespace["CheckFailure"] = checking.CheckFailure
    return namespace



#: Seconds past a test cell's time limit that its work here may take before it is stopped.
GRADER_GRACE = 2.0


#: Seconds after which an expired grader time limit fires again, while it has not ended the work.
EXPIRED_AGAIN = 0.05


@contextlib.contextmanager
def _grader_time(seconds: float):
    """Stop the work of a test cell in the grader (decoding the kernel's answers, SymPy on
    an answer, formatting its message, a callback) with GraderTimeLimit after `seconds` (SIGALRM, in the main
    thread; a Dask worker's threads are bounded by the kernel waits alone). Timers set
    inside (`_within`) put this one back when they end."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        # Again in a moment, until it gets through: an exception raised where Python
        # ignores it (a gc callback, a __del__) would otherwise end the limit.
        signal.setitimer(signal.ITIMER_REAL, EXPIRED_AGAIN)
        raise GraderTimeLimit(_("checking this answer took the grader more than the test's {seconds} s (is the "
                                "answer far larger than it should be?)").format(seconds=f"{seconds - GRADER_GRACE:g}"))

    with alarm(seconds, expire):
        yield


@functools.cache
def refuse_sympy_text() -> None:
    """Make SymPy in this process refuse to parse text (once; where SymPy is installed).

    `sympify`, and through it `expand`, `simplify`, `Poly` and every SymPy function given
    something that is not an expression, turns a string (or an object's `str`) into an
    expression by evaluating it as Python. In the grader a string may come from the
    kernel (an attribute of a student's object), so a test that handed one to SymPy would
    run the student's text here: with this, it fails instead (`NotData`)."""
    try:
        from sympy.parsing import sympy_parser
    except ImportError:
        return

    def parse_expr(text, *args, **kwargs):
        raise NotData(_("SymPy was given the text {text} to turn into an expression: the grader never parses "
                        "text (it would run it), and an answer must be an expression, not a string").format(
                            text=repr(str(text)[:60])))

    sympy_parser.parse_expr = parse_expr


def judged_again(error: BaseException | None) -> bool:
    """Whether a test cell that failed at its place runs once more after the notebook's
    last cell, its second verdict standing if it passes.

    An answer is judged as the finished notebook defines it: a class whose `**` uses the
    `exp` and `log` of a later cell works after Run All, and so gets its points. (Visible
    tests still run at their place too: a student sees the failure at the exercise.) A
    failure that took the test's whole time (a time limit, a kernel that stopped
    answering) is not run again, and neither is one that names no undefined name (a
    NameError, in the kernel or in the message of a failed check): what a later cell
    defines can only have been missing as a name, and a wrong answer costs its test once."""
    if error is None or isinstance(error, (KernelUnavailable, GraderTimeLimit, TimeLimitExceeded,
                                           CallbackTimeLimit)):
        return False
    text = f"{getattr(error, 'ename', '')} {type(error).__name__} {str(error)[:100_000]}"
    return "NameError" in text and "TimeLimitExceeded" not in text


#: What the salt of a re-judged test cell is drawn with besides the submission's: its inputs
#: are new, so that what an answer saw the first time (and what it could have learned about
#: them since, through another test's reference helpers) does not help it the second time.
AGAIN = "/judged again"


def run_test_cell(bridge: Bridge, source: str, label: str, student_names: set[str],
                  seconds: float) -> tuple[list[tuple[str, str]], BaseException | None]:
    """Execute a test cell here; return (output streams, the exception it raised or None).

    The kernel's part is bounded by the bridge's deadline (`seconds`), the grader's own
    part by `_grader_time` (`seconds` + GRADER_GRACE)."""
    refuse_sympy_text()
    captured = io.StringIO()
    error: BaseException | None = None
    bridge.begin(seconds)
    bridge.classes = frozenset(getattr(student_names, "classes", ()))
    try:
        code = compile(source, f"<{label}>", "exec")
        wanted = (_names_used(code) & student_names) - set(vars(builtins))
        namespace = {"__builtins__": builtins, "__name__": "__test__"}
        with _grader_time(seconds + GRADER_GRACE):
            namespace.update(bridge.lookup(wanted))
            namespace.update(trusted_namespace())
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                exec(code, namespace)
    except (Exception, TimeLimitExceeded, GraderTimeLimit) as exc:  # the test's failure is its result
        error = exc  # (KeyboardInterrupt and SystemExit in the grader are not: they go on)
    finally:
        bridge.end()
    outputs = list(bridge.output)
    if captured.getvalue():
        outputs.append(("stdout", captured.getvalue()[:OUTPUT_LIMIT]))
    return outputs, error
