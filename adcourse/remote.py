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

The one rule kept here is the library watch (`watched`): an audit hook, added when this
module is imported (by the fork server, before any kernel is forked) and never
removable, refuses what would switch the watch off while a watched call runs. It binds
a call that goes through `handle`; a kernel whose request handling is replaced
altogether answers unwatched (see `autograder.sealed`).
"""
from __future__ import annotations

import _thread
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


_LibraryUsed = LibraryUsed  # what the watch raises (kept if the public name is rebound)


def _folders(libraries) -> tuple[tuple[str, str], ...]:
    """(folder, library): where the installed code of `libraries` lives (found without
    importing them)."""
    import importlib.util
    import os

    found = []
    for name in libraries:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for folder in (getattr(spec, "submodule_search_locations", None) or []):
            found.append((os.path.realpath(folder) + os.sep, name))
            found.append((os.path.abspath(folder) + os.sep, name))
        if spec is not None and spec.origin and not spec.submodule_search_locations:
            found.append((os.path.realpath(spec.origin), name))
    return tuple(found)


#: Libraries a test may ban, located once when this module is imported (in the fork
#: server, before any student's code): a kernel that hides a library's spec or renames
#: its modules later does not move where its code is.
WATCHABLE = ("sympy", "symengine", "mpmath")
_KNOWN_FOLDERS = {name: _folders((name,)) for name in WATCHABLE}


def _library_folders(libraries) -> tuple[tuple[str, str], ...]:
    return tuple(folder for name in libraries
                 for folder in (_KNOWN_FOLDERS[name] if name in _KNOWN_FOLDERS else _folders((name,))))


class _Watch:
    """The profile function of one watched call: notes the first code of a watched library.

    Code is told by the file its code object was compiled from (immutable, so renaming a
    module or its `__name__` does not hide it) or by its module's name; C functions by
    their `__module__`.
    """

    __slots__ = ("libraries", "folders", "seen", "clean")

    def __init__(self, libraries: frozenset, folders: tuple[tuple[str, str], ...]):
        self.libraries, self.folders, self.seen = libraries, folders, []
        self.clean = set()  # code objects already found outside the libraries, in this call

    def __call__(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code in self.clean:
                return
            module = frame.f_globals.get("__name__") or ""
            filename = code.co_filename
            for folder, library in self.folders:
                if filename.startswith(folder):
                    self._stop(library, module if isinstance(module, str) and module else filename)
            if not (isinstance(module, str) and module.partition(".")[0] in self.libraries):
                self.clean.add(code)
                return
        elif event == "c_call":
            if (arg is _thread.start_new_thread or arg is _thread.start_new) \
                    and frame.f_code.co_filename != threading.__file__:
                # A thread not started by `threading` (whose threads are watched too).
                self._stop("a thread the watch does not see", "_thread.start_new_thread")
            module = getattr(arg, "__module__", None) or ""
        else:
            return
        if isinstance(module, str) and module.partition(".")[0] in self.libraries:
            self._stop(module.partition(".")[0], module)

    def _stop(self, library: str, module: str):
        """Note what ran and stop the call here. CPython removes a profile function that
        raises, so the watch is off from now on: `_Watched._run` finds it gone, whatever
        the student's code does with this exception or with `seen`."""
        self.seen.append((library, module))
        raise _LibraryUsed(f"{library} ({module}) ran while a watched exercise was called")


class _Watched:
    """`function`, run under a `_Watch`; see `watched`."""

    def __init__(self, function, libraries: frozenset):
        self.function, self.libraries = function, libraries
        self.folders = _library_folders(libraries)
        self.__name__ = getattr(function, "__name__", "call")

    def __call__(self, *args, **kwargs):
        return self._run(args, kwargs)

    def finished(self, args: tuple, kwargs: dict, finish: Callable):
        """finish(function(*args, **kwargs)), all of it under the watch (how the kernel end
        encodes an answer: a lazy answer is computed while it is watched)."""
        return self._run(args, kwargs, finish)

    def _run(self, args, kwargs, finish=None, *, _Watch=_Watch, _getprofile=sys.getprofile,
             _setprofile=sys.setprofile, _thread_profile=threading.getprofile,
             _set_thread_profile=threading.setprofile):
        # While this frame is on a thread's stack, that thread is in a watched call: the
        # audit hook (`_guard`) refuses what would switch the watch off. The functions it
        # uses are bound here, so that replacing this module's `sys` changes nothing; the
        # verdict is whether the watch is still installed (CPython removes a profile
        # function that raises, as the watch does at the first code of a library) and
        # saw nothing.
        watch = _Watch(self.libraries, self.folders)
        previous, previous_threads = _getprofile(), _thread_profile()
        _set_thread_profile(watch)  # threads the call starts are watched too
        _setprofile(watch)
        try:
            try:
                result = self.function(*args, **kwargs)
                if finish is not None:
                    result = finish(result)
            finally:
                intact = _getprofile() is watch
                _setprofile(previous)
                _set_thread_profile(previous_threads)
        except BaseException:
            if watch.seen or not intact:  # the watch stopped the call: say so, whatever it raised
                raise self._used(watch) from None
            raise
        if watch.seen or not intact:
            raise self._used(watch)
        return result

    def _used(self, watch) -> "LibraryUsed":
        if not watch.seen:
            return _LibraryUsed(f"the grader's watch for other libraries was switched off while "
                                f"`{self.__name__}` ran: this exercise is graded only with the watch on")
        library, module = watch.seen[0]
        return _LibraryUsed(f"the answer was computed with {library} ({module} ran while "
                            f"`{self.__name__}` was called): this exercise asks for your own "
                            "implementation of the rules, and an answer computed by another "
                            "library gets no points")


def watched(function, libraries):
    """`function`, raising `LibraryUsed` when code of one of `libraries` (top-level
    package names such as "sympy") ran during a call.

    Watching is by profiling the call: every Python and C function called is looked up
    by the file its code comes from and the module it belongs to, so the library is seen
    however it was imported or named. While the call runs, the kernel's audit hook
    (`install_guard`) refuses what would switch the watch off: a new profile or trace
    function, a C-level one set through ctypes, new threads (where Python reports them)
    and processes.
    """
    libraries = frozenset(libraries)
    if not libraries:
        return function
    return _Watched(function, libraries)


#: Events refused while a watched call runs: what would run code the watch does not see
#: (another profile or trace function, threads, processes, native code through ctypes).
_REFUSED_IN_WATCH = frozenset({
    "sys.setprofile", "sys.settrace", "_thread.start_new_thread", "os.fork", "os.forkpty",
    "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.startfile", "subprocess.Popen",
    "pty.spawn", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
})
#: C functions that install profile or trace functions, or remove audit hooks: never
#: looked up through ctypes in a graded kernel.
_REFUSED_SYMBOLS = ("PyEval_SetProfile", "PyEval_SetTrace", "_PyEval_SetProfile", "_PyEval_SetTrace",
                    "PyEval_SetProfileAllThreads", "PyEval_SetTraceAllThreads",
                    "_PySys_ClearAuditHooks", "PySys_AddAuditHook", "_PyEval_SetSwitchInterval")


def _guard(event, args, *, _watching=None, _refused=_REFUSED_IN_WATCH, _symbols=_REFUSED_SYMBOLS,
           _getprofile=sys.getprofile, _getframe=sys._getframe, _str=str, _isinstance=isinstance,
           _Watch=_Watch, _finish=_Watched._run.__code__, _error=RuntimeError,
           _protected=(_Watched._run, _Watch.__call__, _Watch._stop)):
    """The kernel's audit hook (PEP 578: once added, it cannot be removed)."""
    if event == "ctypes.dlsym" and len(args) > 1 and _isinstance(args[1], _str) \
            and args[1].startswith(_symbols):
        raise _error(f"{args[1]} is not available in a graded kernel")
    # (Python audits changes to a function's code and defaults, not to a class's attributes.)
    if event in ("object.__setattr__", "object.__delattr__") and args and (
            args[0] is _guard or any(args[0] is p for p in _protected)):
        raise _error("the grader's watch cannot be changed")
    if not (event in _refused or event.startswith("ctypes.")):
        return
    # Is a watched call running in this thread? Its frame is on the stack (a frame's code
    # cannot be swapped), whether or not its profile function is still set.
    caller = _getframe(1)
    if event == "sys.setprofile" and (caller.f_code is _finish or (
            _isinstance(_getprofile(), _Watch) and _getprofile().seen)):
        # The watch itself: started or ended by `_Watched._run`, or removed by CPython
        # because it stopped the call (once something is seen, the call fails anyway).
        return
    frame = caller
    while frame is not None and frame.f_code is not _finish:
        frame = frame.f_back
    if frame is None and not _isinstance(_getprofile(), _Watch):
        return
    if event.startswith("ctypes."):
        raise _error(f"{event} is not allowed while a watched exercise runs")
    raise _error(f"{event} is not allowed while the exercise is watched for other libraries")


def install_guard() -> bool:
    """Add the kernel's audit hook once (at import of this module, which the fork server
    does before any kernel is forked, so every kernel has it before a student's code
    runs). True if it was added now."""
    if getattr(sys, "_adcourse_guard", None) is _guard:
        return False
    sys.addaudithook(_guard)
    sys._adcourse_guard = _guard
    return True


install_guard()


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
            raise TimeLimitExceeded(f"did not finish within {seconds:g} s")

        with alarm(seconds, expire):
            return function(*args, **kwargs)

    call.__name__ = getattr(function, "__name__", "call")
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
    raise wire.WireError(f"unknown operation {op!r}")


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


def _call(function, call: dict) -> _Encoded:
    """The call's result and its array arguments after the call (arrays are sent back, so
    the grader sees what the call did to them), encoded: for a watched function, under
    its watch (an answer whose parts are computed as they are read is watched then)."""
    args = wire.decode(call.get("args", {"$t": []}), _resolve)
    kwargs = wire.decode(call.get("kwargs", {"$d": []}), _resolve)

    def encoded(result) -> _Encoded:
        return _Encoded(wire.encode(result, _token),
                        wire.encode([a if isinstance(a, np.ndarray) else None for a in args], _token))

    if isinstance(function, _Watched):
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
        previous = signal.signal(signal.SIGINT, lambda *_: held.append(1)) if main else None
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
        head, _, text = line.decode(errors="replace").partition(" ")
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
