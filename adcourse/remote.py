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
judges by itself. Time limits are the grader's (it interrupts the kernel); a reply is
JSON text that the grader size-checks before parsing (`Reply`).

The one rule kept in the kernel is the library watch (`adcourse.watch`, imported here so
that its audit hook is in every kernel): it binds a call that goes through `handle`.
"""
from __future__ import annotations

import contextlib
import operator
import os
import signal
import sys
import threading
import time
import types
from typing import Callable

import numpy as np

from . import functions, wire
from .checking import student_line
from .i18n import _
from .watch import WATCHABLE, LibraryUsed, Watched, install_guard, watched  # noqa: F401 (also remote's names)

_objects: dict[int, object] = {}
_numbers: dict[int, int] = {}  # id(object) -> its handle: one object, one handle, within a test cell
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


#: What `serving` set: (the namespace requests read, the function that asks the grader).
#: None in a kernel: IPython's user namespace, and the kernel's raw_input.
_served: tuple[dict, Callable[[str], str]] | None = None


@contextlib.contextmanager
def serving(namespace: dict, ask: Callable[[str], str]):
    """Within the block, requests read the student's names from `namespace` and callbacks
    ask the grader with `ask(prompt) -> reply text` (both JSON text, as over stdin): the
    kernel end run in the grader's own process (`autograder.sealed.Loopback`). Everything
    else, the checks and the library watch, is the kernel's."""
    global _served
    previous, _served = _served, (namespace, ask)
    try:
        yield
    finally:
        _served = previous


def _ask(prompt: str) -> str:
    """Ask the grader (the requests arrive as user expressions, when ipykernel has
    already put the builtin `input` back, so the kernel's own raw_input is used)."""
    if _served is not None:
        return _served[1](prompt)
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
    number = _numbers.get(id(value))
    if number is None or _objects.get(number) is not value:
        number = _numbers[id(value)] = next(_ids)
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
            raise wire.WireError(_("np.{name} is not a ufunc").format(name=token["$np"]))
        return found
    if "$cb" in token:
        return Callback(int(token["$cb"]), str(token.get("name", "callback")))
    raise wire.WireError(_("unknown token {keys}").format(keys=sorted(token)))


def with_globals(function, overrides: dict):
    """A copy of `function` whose global names in `overrides` refer to other objects
    (how a test runs an exercise with the helpers it calls swapped for others)."""
    if not isinstance(function, types.FunctionType) or not overrides:
        return function
    namespace = dict(function.__globals__)
    namespace.update(overrides)
    return types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)



class TimeLimitExceeded(BaseException):
    """A call ran past the time the grader gave it (a BaseException, so that a broad
    `except Exception` in the student's code does not swallow it)."""


@contextlib.contextmanager
def alarm(seconds: float, expire):
    """SIGALRM calls `expire(signum, frame)` after `seconds` (main thread only). A timer
    that was running before (an outer limit) goes on afterwards with what it had left."""
    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds)[0]
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


def limited(function, seconds):
    """`function`, raising `TimeLimitExceeded` when a call runs longer than `seconds`
    (wall clock, by SIGALRM; without a limit where signals cannot be used).

    Used where the grader runs a function itself; a call in a student's kernel is timed
    by the grader from outside (`autograder.sealed.Bridge`), not by this timer.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        return function
    seconds = float(seconds)

    def call(*args, **kwargs):
        def expire(signum, frame):
            raise TimeLimitExceeded(_("did not finish within {seconds} s").format(seconds=f"{seconds:g}"))

        with alarm(seconds, expire):
            return function(*args, **kwargs)

    call.__name__ = getattr(function, "__name__", "call")
    call.__course_limited__ = function  # what it times (adcourse.functions.frameworks looks through it)
    return call


def _namespace() -> dict:
    if _served is not None:
        return _served[0]
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _perform(request: dict):
    op = request["op"]
    if op == wire.LOOKUP:  # a test cell begins: the objects the last one held are let go
        _objects.clear()
        _numbers.clear()
        namespace = _namespace()
        return {name: namespace[name] for name in request["names"] if name in namespace}, None
    target = wire.decode(request["target"], _resolve)
    if op == wire.CALL:
        return _call(_callable(target, request), request), None
    if op == wire.GETATTR:
        return getattr(target, str(request["name"])), None
    if op == wire.GETITEM:
        return target[wire.decode(request["key"], _resolve)], None
    if op == wire.BINARY:
        other = wire.decode(request["other"], _resolve)
        left, right = (other, target) if request.get("reflected") else (target, other)
        return _BINARY[request["name"]](left, right), None
    if op == wire.UNARY:
        return _UNARY[request["name"]](target), None
    if op == wire.LEN:
        return len(target), None
    raise wire.WireError(_("unknown operation {operation}").format(operation=repr(op)))


def _error(exc: BaseException) -> dict:
    return {"ename": type(exc).__name__, "evalue": str(exc)[:4000], "line": student_line(exc)}


def _callable(target, request: dict):
    """The target with the grader's helpers bound in its globals, watched if asked (the
    time a call may take is the grader's to enforce: it interrupts the kernel)."""
    overrides = wire.decode(request.get("globals", {"$d": []}), _resolve)
    return watched(with_globals(target, overrides), [str(name) for name in request.get("watch", [])])


class _Encoded:
    """An answer already encoded for the wire, with the array arguments after the call."""

    __slots__ = ("ok", "after")

    def __init__(self, ok, after):
        self.ok, self.after = ok, after


def _plain(value, depth: int = 0):
    """An answer as the data it means: a JAX array as the NumPy array it holds, a named tuple
    as a tuple (here, in the kernel, before it is encoded), at any depth of tuples and lists."""
    if depth > wire.MAX_DEPTH:
        return value
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer):
        return np.asarray(value)
    if isinstance(value, tuple) and type(value) is not tuple and hasattr(type(value), "_fields"):
        return tuple(_plain(v, depth + 1) for v in tuple.__iter__(value))
    if type(value) in (tuple, list):
        return type(value)(_plain(v, depth + 1) for v in value)
    return value


def _call(function, call: dict) -> _Encoded:
    """The call's result and its array arguments after the call (arrays are sent back, so
    the grader sees what the call did to them), encoded: for a watched function, under
    its watch (an answer whose parts are computed as they are read is watched then)."""
    args = wire.decode(call.get("args", {"$t": []}), _resolve)
    kwargs = wire.decode(call.get("kwargs", {"$d": []}), _resolve)

    def encoded(result) -> _Encoded:
        return _Encoded(wire.encode(_plain(result), _token),
                        wire.encode([a if isinstance(a, np.ndarray) else None for a in args], _token))

    if isinstance(function, Watched):
        return function.finished(args, kwargs, encoded)
    return encoded(function(*args, **kwargs))


def _call_each(request: dict) -> list[dict]:
    """Call one function on many argument lists: each call's answer, or its error."""
    function = _callable(wire.decode(request["target"], _resolve), request)
    answers = []
    for call in request["calls"]:
        try:
            done = _call(function, call)
            answers.append({"ok": done.ok, "after": done.after})
        except KeyboardInterrupt:  # the grader's time is up: stop the whole request
            raise
        except BaseException as exc:  # noqa: BLE001 (this call's error is its answer)
            answers.append({"error": _error(exc)})
    return answers


# --- the channel to the grader ------------------------------------------------------------
#: The environment variable that names the kernel's channel to its grader (a descriptor
#: the fork server gave the kernel: one end of a socket pair whose other end only this
#: kernel's grader holds).
GRADER_FD_ENV = "ADCOURSE_GRADER_FD"


class _Channel:
    """Lines over the kernel's channel to the grader: a kind letter, the request's number,
    a space, JSON text (which never holds a raw newline)."""

    def __init__(self, fd: int):
        self.fd, self.pending = fd, bytearray()

    def send(self, kind: str, number: str, text: str) -> None:
        """Write one whole line. The grader's interrupt (SIGINT, which Python handles in
        the main thread whichever thread the signal reached) is held while the line goes
        out: for a reply it came for the call just answered and is dropped; for a
        callback it is raised once the line is out."""
        data = memoryview(f"{kind}{number} {text}\n".encode())
        held = []
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, lambda *_args: held.append(1)) if main else None
        try:
            while data:
                data = data[os.write(self.fd, data):]
        finally:
            if main:
                signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if held and kind != "R":
            raise KeyboardInterrupt

    def receive(self) -> tuple[str, str, str] | None:
        """(kind, number, text) of the next line, or None when the grader has gone."""
        start = 0
        while (end := self.pending.find(b"\n", start)) < 0:
            start = len(self.pending)
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.pending += chunk
        line = bytes(self.pending[:end])
        del self.pending[:end + 1]
        head, _space, text = line.decode(errors="replace").partition(" ")
        return head[:1], head[1:], text


def serve() -> None:
    """Answer the grader's requests over the kernel's channel until the test cell ends.

    The grader runs this as one execute_request per test cell (in the kernel's main
    thread, as every request ran before), then sends each request as a line `Q<n> ...`
    and reads `R<n> ...` (the reply, `handle`'s text) or `C<n> ...` (a callback, which it
    answers with `A<n> ...`); `E` ends the cell. One round trip is a write and a read, not
    an execute_request and its IOPub messages. The grader's interrupt (a call's time
    limit) stops the call inside `handle`, which answers with the KeyboardInterrupt."""
    channel = _Channel(int(os.environ[GRADER_FD_ENV]))
    current = [""]

    def ask(prompt: str) -> str:
        channel.send("C", current[0], prompt)
        while True:
            line = channel.receive()
            if line is None:
                raise RuntimeError("the grader has gone")
            if line[0] == "A" and line[1] == current[0]:
                return line[2]

    with serving(_namespace(), ask):
        while True:
            line = None
            try:
                line = channel.receive()
                if line is None or line[0] == "E":
                    return
                if line[0] != "Q":
                    continue
                current[0] = line[1]
                reply = handle(line[2]).text
            except KeyboardInterrupt as exc:
                if line is None or line[0] != "Q":
                    continue  # meant for a call that had answered already
                reply = wire.dumps({"error": _error(exc)})  # as the request began: its answer
            channel.send("R", line[1], reply)


class Reply:
    """A reply to the grader: its repr, the text/plain the grader reads, is the JSON text
    itself (which the grader checks for size and parses with json, nothing else)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def handle(request_text: str) -> Reply:
    """Carry out one request of the grader; the reply is data (JSON text)."""
    try:
        request = wire.loads(request_text)
        if isinstance(request, dict) and request.get("op") == wire.CALL_EACH:
            return Reply(wire.dumps({"each": _call_each(request)}))
        result, after = _perform(request)
        if isinstance(result, _Encoded):
            return Reply(wire.dumps({"ok": result.ok, "after": result.after}))
        reply = {"ok": wire.encode(result, _token)}
        if after is not None:
            reply["after"] = wire.encode(after, _token)
        return Reply(wire.dumps(reply))
    except BaseException as exc:  # the student's error is the answer to report
        return Reply(wire.dumps({"error": _error(exc)}))
