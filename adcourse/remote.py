"""The kernel's end of sealed grading: computes a student's answers on request.

When a notebook is graded, its test cells run in the grader's own process, not in
the student's kernel. Whenever a test needs something the student defined (calls
`central_difference(f, 0.3, h=0.01)`, reads `d.tangent`), the grader asks the
kernel through `handle`, with data only (see `adcourse.wire`). The kernel answers
with data, or with a handle for an object that is not data. Functions the grader
passes in (a test function f, a helper the test isolates) become callbacks: calling
one asks the grader over the kernel's stdin channel.

Nothing here is secret or trusted: a student can read and even replace this module
in their own kernel, and all they can change is their own answers, which the grader
judges by itself.
"""
from __future__ import annotations

import operator
import signal
import sys
import threading
import types

import numpy as np

from . import functions, wire
from .checking import student_line

_objects: dict[int, object] = {}
_ids = iter(range(1, 2**62))

_BINARY = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
    "eq", "ne", "lt", "le", "gt", "ge")}
_UNARY = {"neg": operator.neg, "pos": operator.pos, "abs": operator.abs}


class Callback:
    """A function of the grader's, called from the kernel over stdin."""

    def __init__(self, number: int, name: str):
        self.number, self.__name__ = number, name

    def __call__(self, *args, **kwargs):
        request = {"cb": self.number, "args": wire.encode(args, _token),
                   "kwargs": wire.encode(kwargs, _token)}
        reply = wire.loads(_ask(wire.dumps(request)))
        if "error" in reply:
            raise RuntimeError(f"{self.__name__}: {reply['error']}")
        return wire.decode(reply["ok"], _resolve)

    def __repr__(self):
        return self.__name__


def _ask(prompt: str) -> str:
    """Ask the grader (the requests arrive as user expressions, when ipykernel has
    already put the builtin `input` back, so the kernel's own raw_input is used)."""
    from IPython import get_ipython

    kernel = getattr(get_ipython(), "kernel", None)
    return kernel.raw_input(prompt) if kernel is not None else input(prompt)


def _token(value) -> dict:
    if isinstance(value, functions.Fn) and value in functions.CATALOGUE:
        return {"$fn": value.name}
    if isinstance(value, np.ufunc) and getattr(np, value.__name__, None) is value:
        return {"$np": value.__name__}
    if isinstance(value, Callback):
        return {"$cb": value.number, "name": value.__name__}
    number = next(_ids)
    _objects[number] = value
    return {"$h": number, "type": type(value).__name__}


def _resolve(token: dict):
    if "$h" in token:
        return _objects[int(token["$h"])]
    if "$fn" in token:
        return functions.by_name(token["$fn"])
    if "$np" in token:
        found = getattr(np, str(token["$np"]))
        if not isinstance(found, np.ufunc):
            raise wire.WireError(f"np.{token['$np']} is not a ufunc")
        return found
    if "$cb" in token:
        return Callback(int(token["$cb"]), str(token.get("name", "callback")))
    raise wire.WireError(f"unknown token {sorted(token)}")


def with_globals(function, overrides: dict):
    """A copy of `function` whose global names in `overrides` refer to other objects
    (how a test runs an exercise with the helpers it calls swapped for others)."""
    if not isinstance(function, types.FunctionType) or not overrides:
        return function
    namespace = dict(function.__globals__)
    namespace.update(overrides)
    return types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)


class LibraryUsed(RuntimeError):
    """Another library computed an answer that an exercise asks the student to compute."""


def watched(function, libraries):
    """`function`, raising `LibraryUsed` when code of one of `libraries` (top-level
    package names such as "sympy") ran during a call.

    Watching is by profiling the call: every Python and C function called is looked up
    by the module it belongs to, so the library is seen however it was imported or named.
    """
    libraries = frozenset(libraries)
    if not libraries:
        return function

    def call(*args, **kwargs):
        seen: list[str] = []

        def profile(frame, event, arg):
            if seen:
                return
            if event == "call":
                module = frame.f_globals.get("__name__") or ""
            elif event == "c_call":
                module = getattr(arg, "__module__", None) or ""
            else:
                return
            if isinstance(module, str) and module.partition(".")[0] in libraries:
                seen.append(module)

        previous = sys.getprofile()
        sys.setprofile(profile)
        try:
            result = function(*args, **kwargs)
        finally:
            sys.setprofile(previous)
        if seen:
            name = getattr(function, "__name__", "the function")
            raise LibraryUsed(f"the answer was computed with {seen[0].partition('.')[0]} "
                              f"({seen[0]} ran while `{name}` was called): this exercise asks "
                              "for your own implementation of the rules, and an answer computed "
                              "by another library gets no points")
        return result

    call.__name__ = getattr(function, "__name__", "call")
    return call


class TimeLimitExceeded(BaseException):
    """A call ran past the time the grader gave it (a BaseException, so that a broad
    `except Exception` in the student's code does not swallow it)."""


def limited(function, seconds):
    """`function`, raising `TimeLimitExceeded` when a call runs longer than `seconds`
    (wall clock, by SIGALRM; without a limit where signals cannot be used)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        return function
    seconds = float(seconds)

    def call(*args, **kwargs):
        def expire(signum, frame):
            raise TimeLimitExceeded(f"did not finish within {seconds:g} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    call.__name__ = getattr(function, "__name__", "call")
    return call


def _namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _perform(request: dict):
    op = request["op"]
    if op == "lookup":  # a test cell begins: the objects the last one held are let go
        _objects.clear()
        namespace = _namespace()
        return {name: namespace[name] for name in request["names"] if name in namespace}, None
    if op == "release":
        _objects.clear()
        return None, None
    target = wire.decode(request["target"], _resolve)
    if op == "call":
        return _call(_callable(target, request), request)
    if op == "getattr":
        return getattr(target, str(request["name"])), None
    if op == "getitem":
        return target[wire.decode(request["key"], _resolve)], None
    if op == "binary":
        other = wire.decode(request["other"], _resolve)
        left, right = (other, target) if request.get("reflected") else (target, other)
        return _BINARY[request["name"]](left, right), None
    if op == "unary":
        return _UNARY[request["name"]](target), None
    if op == "len":
        return len(target), None
    if op == "repr":
        return repr(target)[:2000], None
    raise wire.WireError(f"unknown operation {op!r}")


def _error(exc: BaseException) -> dict:
    return {"ename": type(exc).__name__, "evalue": str(exc)[:4000], "line": student_line(exc)}


def _callable(target, request: dict):
    """The target with the grader's helpers bound in its globals, watched and limited in
    time if asked."""
    overrides = wire.decode(request.get("globals", {"$d": []}), _resolve)
    function = watched(with_globals(target, overrides), [str(name) for name in request.get("watch", [])])
    seconds = request.get("seconds")
    return limited(function, seconds) if isinstance(seconds, (int, float)) and seconds > 0 else function


def _call(function, call: dict):
    """(result, the array arguments after the call): arrays are sent back, so the
    grader sees what the call did to them."""
    args = wire.decode(call.get("args", {"$t": []}), _resolve)
    kwargs = wire.decode(call.get("kwargs", {"$d": []}), _resolve)
    result = function(*args, **kwargs)
    return result, [a if isinstance(a, np.ndarray) else None for a in args]


def _call_each(request: dict) -> list[dict]:
    """Call one function on many argument lists: each call's answer, or its error."""
    function = _callable(wire.decode(request["target"], _resolve), request)
    answers = []
    for call in request["calls"]:
        try:
            result, after = _call(function, call)
            answers.append({"ok": wire.encode(result, _token), "after": wire.encode(after, _token)})
        except KeyboardInterrupt:  # the grader's time is up: stop the whole request
            raise
        except BaseException as exc:  # noqa: BLE001 (this call's error is its answer)
            answers.append({"error": _error(exc)})
    return answers


def handle(request_text: str) -> str:
    """Carry out one request of the grader; the reply is data (JSON text)."""
    try:
        request = wire.loads(request_text)
        if isinstance(request, dict) and request.get("op") == "call_each":
            return wire.dumps({"each": _call_each(request)})
        result, after = _perform(request)
        reply = {"ok": wire.encode(result, _token)}
        if after is not None:
            reply["after"] = wire.encode(after, _token)
        return wire.dumps(reply)
    except BaseException as exc:  # the student's error is the answer to report
        return wire.dumps({"error": _error(exc)})
