"""Sealed test cells: tests run in the grader, the student's code in the kernel.

A test cell is executed here, in the grading process, with the real NumPy, the
real checking API and the references; the names of the student's exercises (and
only those) stand for `Remote` proxies. Calling a proxy asks the kernel, through
`adcourse.remote`, to compute the student's answer on those inputs; only data comes
back (`adcourse.wire`). So patching NumPy or IPython, redefining a helper, or
rewriting the checking API in the kernel changes nothing a test decides: all the
student's code can do is give answers, and a missing or malformed answer fails.

What the grader relies on, and what it does not:

- **Verdicts are computed here, on data.** A proxy is never data: comparing one
  (`==`, `<`, ...), asking its truth value or making an array of it raises `NotData`
  instead of asking the student's `__eq__` or `__lt__`, and `check_close` and `compare`
  fail an answer that is (or holds) a proxy. Attributes, items and arithmetic of a
  student's object are answers, computed in the kernel and judged here (private names
  are refused: libraries look for their protocols by them). Text from the kernel is
  never run: SymPy here parses no string (`refuse_sympy_text`).
- **Time limits are kept from outside.** Each request waits at most until the test
  cell's deadline, and a call with its own limit (`Remote.within`, `compare(...,
  seconds=)`) at most that many seconds: each such call is a request of its own, and
  when its time is up the kernel is interrupted and the call fails with
  TimeLimitExceeded ("did not finish within N s"), whatever the kernel did to its own
  timers and signal handlers; a kernel that ignores the interrupt too is treated as
  unavailable. The test's functions that the kernel calls back run here within the
  test's remaining time (SIGALRM in the grader's main thread), and fail when it runs out.
- **Sizes are checked before anything is parsed.** The grader's sockets to a kernel
  drop messages over `MAX_KERNEL_MESSAGE` (64 MiB, ZeroMQ's MAXMSGSIZE: the peer is
  disconnected before jupyter_client deserialises anything; the test then fails on its
  deadline); a reply or a callback request is JSON text of at most
  `wire.MAX_MESSAGE_CHARS` (24 MiB, room for `wire.MAX_ARRAY_BYTES`, 16 MiB, of arrays in
  base64) and `wire.MAX_VALUES` values, checked before `json.loads`; nothing is evaluated.
- **Banned libraries cannot run in the kernel.** A chapter's hidden tests name the
  libraries no answer may use (`BANNED`, collected by `autograder.hidden.banned_by`);
  the kernel's sandbox cannot read them and `import` gives a stand-in that says so
  (`adcourse.unavailable`). `Remote.watching` also runs each such call under
  `adcourse.remote.watched`, an in-kernel watch whose verdict comes from the kernel:
  it names the library in the feedback, and it is the only ban where the sandbox has
  no Landlock.

`Loopback` is a `Bridge` whose kernel end runs in this process, on a dict of the
student's names: the same requests, replies and callbacks, for tests of the checking
API and of hidden tests (`tests/loopback.py`), without a kernel.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import io
import math
import queue
import signal
import socket
import threading
import time
from typing import Any, Callable

import numpy as np
import zmq

from adcourse import functions, remote, wire
from adcourse.remote import TimeLimitExceeded, alarm

#: What the kernel runs while a test cell's requests come over its channel.
SERVE = "__import__('adcourse.remote', fromlist=['serve']).serve()"
#: Why a request failed when the kernel process is gone.
KERNEL_DIED = "the kernel died (did the code exceed the memory or CPU limit, or end the process?)"

#: Seconds a request may take to be written to the kernel's channel.
CHANNEL_SEND_TIMEOUT = 10.0
#: Seconds spent reading the shell channel at a time, while a request waits.
SHELL_READ_SLICE = 0.05

#: Seconds the grader waits, after a reply, for the rest of the request's output.
OUTPUT_GRACE = 2.0

#: Characters of output kept per test cell (student prints included).
OUTPUT_LIMIT = 20_000

#: What test cells may use besides builtins and their own variables.
TRUSTED: dict[str, Any] = {"np": np, "numpy": np, "math": math}


def trusted_namespace() -> dict:
    from adcourse import checking

    namespace = dict(TRUSTED)
    namespace.update({name: getattr(functions, name) for name in ("SCALAR", "GRADIENT", "JACOBIAN")})
    namespace["check_close"] = checking.check_close
    namespace["CheckFailure"] = checking.CheckFailure
    return namespace


class RemoteError(Exception):
    """The student's code raised an exception in the kernel."""

    def __init__(self, ename: str, evalue: str, line: str = ""):
        super().__init__(evalue)
        self.ename, self.evalue, self.line = ename, evalue, line


class KernelUnavailable(Exception):
    """The kernel died, timed out or stopped answering the grader."""


class NotData(TypeError):
    """A test asked a question of an object of the student's (a comparison, a truth
    value, an array of it) that only data may answer: the student's own operators would
    decide it, in the kernel."""


class CallbackTimeLimit(Exception):
    """A function of the test, called by the student's code, ran out of the test's time."""


class GraderTimeLimit(BaseException):
    """The grader's own work on a test cell ran past the cell's time (a BaseException, so
    that the checking API does not count it as one case's error and go on)."""


#: The longest message the grader's sockets take from a kernel (ZeroMQ's MAXMSGSIZE,
#: set on every channel: a longer one is dropped with its connection, before
#: jupyter_client deserialises anything). A reply is at most wire.MAX_MESSAGE_CHARS of
#: JSON text, which the message's own JSON may escape to twice that, plus its envelope.
MAX_KERNEL_MESSAGE = 64 * 2**20
#: Why a kernel that sent a longer message (or channel line) is dropped.
OVERSIZED = (f"the kernel sent a message of more than {MAX_KERNEL_MESSAGE >> 20} MiB, "
             "and its connection to the grader was dropped")

#: Grace the kernel gets to answer after it was interrupted for a call's time limit.
INTERRUPT_GRACE = 5.0


class ExerciseNames(set):
    """The names answer cells define; `classes`, those defined by a class statement (in
    the gradebook's source, not the student's): the exercises whose objects' comparisons
    are answers (`Dual(1, 5) < Dual(2, -5)`), asked of the kernel."""

    classes: frozenset = frozenset()


def exercise_names(answer_sources: list[str]) -> ExerciseNames:
    """Names the answer cells define at top level: the names tests may take from the kernel."""
    names, classes = ExerciseNames(), set()
    for source in answer_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                if isinstance(node, ast.ClassDef):
                    classes.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    names.classes = frozenset(classes)
    return names


def _names_used(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_used(const)
    return names


class Remote(wire.Proxy):
    """Something the student defined, living in the kernel.

    Calls, attributes, items and arithmetic are answered by the kernel (answers, judged
    here as data); comparisons, truth values and conversion to an array are not: a
    student's `__eq__` or `__lt__` must not decide a test, so they raise `NotData`.
    """

    __slots__ = ("_bridge", "_token", "_label", "_globals", "_watch", "_seconds", "_type")
    # NumPy defers to the proxy's reflected operators: `array @ tensor` and `array + tensor`
    # run the student's __rmatmul__ / __radd__ instead of NumPy treating the proxy as an object.
    __array_ufunc__ = None

    def __init__(self, bridge: "Bridge", token: dict, label: str, globals_: dict | None = None,
                 watch: tuple[str, ...] = (), seconds: float | None = None, type_name: str = ""):
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_token", token)
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_globals", globals_ or {})
        object.__setattr__(self, "_watch", tuple(watch))
        object.__setattr__(self, "_seconds", seconds)

    def __call__(self, *args, **kwargs):
        request = {"op": "call", "target": self._token,
                   "args": self._bridge.encode(args),
                   "kwargs": self._bridge.encode(kwargs),
                   "globals": self._bridge.encode(self._globals)}
        if self._watch:
            request["watch"] = list(self._watch)
        value, after = self._bridge.request(request, seconds=self._seconds)
        _copy_back(args, after)
        return self._passed_on(value)

    def call_each(self, calls: list[tuple[tuple, dict]]) -> list:
        """Call this function on each (args, kwargs) in one round trip to the kernel;
        each item is (value, None) or the exception raised, as `Bridge.call_each`."""
        results = self._bridge.call_each(self._token, calls, self._globals, self._watch, self._seconds)
        for (args, _), result in zip(calls, results):
            if isinstance(result, tuple):
                _copy_back(args, result[1])
        return [r if isinstance(r, Exception) else (self._passed_on(r[0]), None) for r in results]

    def _passed_on(self, value, depth: int = 0):
        """`value`, with the functions and objects of the student's that a watched or
        timed call returned held to the same watch and time limit (a `compile_expr` whose
        function does the banned work when called later is watched then too)."""
        if isinstance(value, Remote) and (self._watch or self._seconds):
            object.__setattr__(value, "_watch", value._watch or self._watch)
            object.__setattr__(value, "_seconds", value._seconds or self._seconds)
        elif isinstance(value, (list, tuple)) and depth < 4:
            for item in value:
                self._passed_on(item, depth + 1)
        elif isinstance(value, dict) and depth < 4:
            for item in value.values():
                self._passed_on(item, depth + 1)
        return value

    def with_globals(self, helpers: dict) -> "Remote":
        """This function with some of its global names bound to the grader's helpers."""
        return Remote(self._bridge, self._token, self._label, dict(helpers), self._watch, self._seconds)

    def watching(self, libraries) -> "Remote":
        """This function, failing with `LibraryUsed` if one of `libraries` runs in a call
        (see `adcourse.remote.watched`)."""
        return Remote(self._bridge, self._token, self._label, self._globals, tuple(libraries),
                      self._seconds)

    def within(self, seconds: float) -> "Remote":
        """This function, each call failing with `TimeLimitExceeded` after `seconds` (see
        `adcourse.remote.limited`): a test that must fail fast instead of hanging."""
        return Remote(self._bridge, self._token, self._label, self._globals, self._watch, seconds)

    def __getattr__(self, name):
        # Private names are no exercise's contract, and libraries look for their own
        # protocols by them (SymPy's `_sympy_`, NumPy's and IPython's `_repr_*_`).
        if name.startswith("_"):
            raise AttributeError(name)
        return self._bridge.request({"op": "getattr", "target": self._token, "name": name})[0]

    def __getitem__(self, key):
        return self._bridge.request({"op": "getitem", "target": self._token,
                                     "key": self._bridge.encode(key)})[0]

    def __len__(self):
        return self._bridge.request({"op": "len", "target": self._token})[0]

    def __repr__(self):
        return f"<{self._label} (in the student's kernel)>"

    __hash__ = object.__hash__

    def not_data(self) -> str:
        kind = self._type or "object"
        if kind in ("function", "type", "method", "builtin_function_or_method"):
            return f"{self._label[:80]} itself (a {kind})"
        return f"an object of your class {kind[:60]}"

    def _refuse(self, what: str):
        raise NotData(f"{what} {self.not_data()}: the test needs a number or an array "
                      "(data) here, and an object's own operators cannot decide a test")

    def __bool__(self):
        self._refuse("the truth value of")

    def __array__(self, *args, **kwargs):
        self._refuse("an array made of")


def in_kernel(program: functions.Fn, like):
    """The catalogue function `program`, called where `like` lives.

    When `like` is a `Remote` (the student's function or class), calls of the result run
    `program` in the student's kernel, in one round trip, under `like`'s time limit and
    library watch: how a test runs a whole computation on the student's objects (a graph
    of tens of thousands of nodes, say) without one round trip per operation. The
    program is course code the student can read (`adcourse.functions`); what it returns
    is data, judged here like any answer. Otherwise `program` itself is returned.
    """
    if not any(program is fn for fn in functions.CATALOGUE):
        raise ValueError(f"{program!r} is not a catalogue function: only those run in a kernel")
    if isinstance(like, Remote):
        return Remote(like._bridge, {"$fn": program.name}, f"{program.name} (in your kernel)",
                      watch=like._watch, seconds=like._seconds)
    return program


def _copy_back(args: tuple, after) -> None:
    """Arrays are passed by sharing: what the call did to them is copied back."""
    for original, final in zip(args, after or ()):
        if (isinstance(original, np.ndarray) and isinstance(final, np.ndarray)
                and final.shape == original.shape and original.flags.writeable):
            np.copyto(original, final, casting="unsafe")


def _binary(name: str, reflected: bool = False):
    def method(self, other):
        return self._bridge.request({"op": "binary", "name": name, "target": self._token,
                                     "other": self._bridge.encode(other), "reflected": reflected})[0]
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(Remote, f"__{_name}__", _binary(_name))
    setattr(Remote, f"__r{_name}__", _binary(_name, reflected=True))
def _comparison(name: str, symbol: str):
    def method(self, other):
        # Only objects of a class that is itself an exercise (Dual, Var, Tensor) compare
        # in the kernel, as answers, and the answer must be a truth value (data).
        classes = getattr(self._bridge, "classes", frozenset())
        if self._type not in classes or (isinstance(other, Remote) and other._type not in classes):
            self._refuse(f"`{symbol}` on")
        value = self._bridge.request({"op": "binary", "name": name, "target": self._token,
                                      "other": self._bridge.encode(other), "reflected": False})[0]
        if not isinstance(value, (bool, np.bool_)):
            raise NotData(f"`{symbol}` of your class {self._type} returned "
                          f"{value.not_data() if isinstance(value, Remote) else type(value).__name__}, "
                          "not True or False")
        return bool(value)
    return method


for _name, _symbol in (("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")):
    setattr(Remote, f"__{_name}__", _comparison(_name, _symbol))
for _name in ("neg", "pos", "abs"):
    setattr(Remote, f"__{_name}__",
            (lambda n: lambda self: self._bridge.request({"op": "unary", "name": n,
                                                          "target": self._token})[0])(_name))


class Bridge:
    """Requests to one kernel, over its own client's channels.

    `begin(seconds)` opens a test cell's time budget; callbacks the kernel may call
    (functions passed to the student) live until `end()`, so a student who keeps
    one can never call it later.
    """

    def __init__(self, client, alive: Callable[[], bool], interrupt: Callable[[], None],
                 channel: socket.socket | None = None):
        self.client, self.alive, self.interrupt = client, alive, interrupt
        # The kernel's channel (a socket pair's end; `adcourse.remote.serve` reads the other),
        # or None: then each request is an execute_request of its own (`_send_as_expression`).
        self.channel = channel
        self.serving: str | None = None   # the execute_request running `serve`, if any
        self.sequence = iter(range(1, 2**62))
        self.pending = bytearray()         # what the channel sent past the last full line
        self.callbacks: dict[int, Callable] = {}
        self.numbers = iter(range(1, 2**62))
        self.deadline = math.inf
        self.output: list[tuple[str, str]] = []
        self.output_size = 0
        self.in_callback = 0
        self.idle: set[str] = set()  # requests whose `idle` status came: their output is all in
        self.monitors = self._monitors()
        self.dropped = ""
        self.classes: frozenset = frozenset()  # the exercises that are classes (see Remote)

    def _monitors(self) -> list:
        """Sockets that report when a channel to the kernel is disconnected (ZeroMQ drops
        the connection of a peer that sends a message over MAXMSGSIZE)."""
        monitors = []
        for name in ("shell_channel", "stdin_channel", "iopub_channel"):
            try:
                socket = getattr(self.client, name).socket
                monitors.append(socket.get_monitor_socket(zmq.EVENT_DISCONNECTED))
            except Exception:
                pass
        return monitors

    # --- values ----------------------------------------------------------------
    def token(self, value) -> dict:
        if isinstance(value, Remote):
            if value._bridge is not self:
                raise wire.WireError("a value of another kernel")
            return value._token
        if isinstance(value, functions.Fn) and any(value is fn for fn in functions.CATALOGUE):
            return {"$fn": value.name}
        if isinstance(value, np.ufunc):
            return {"$np": value.__name__}
        if callable(value):
            number = next(self.numbers)
            self.callbacks[number] = value
            return {"$cb": number, "name": getattr(value, "__name__", repr(value))[:80]}
        raise wire.WireError(f"a {type(value).__name__} cannot be sent to the kernel")

    def resolve(self, token: dict):
        if "$np" in token:
            found = getattr(np, str(token["$np"]), None)
            if isinstance(found, np.ufunc):
                return found
        if "$cb" in token and int(token["$cb"]) in self.callbacks:
            return self.callbacks[int(token["$cb"])]
        if "$fn" in token:
            return functions.by_name(str(token["$fn"]))
        if "$h" in token:
            kind = str(token.get("type", "object"))[:60]
            return Remote(self, {"$h": int(token["$h"])}, f"student's {kind}", type_name=kind)
        raise wire.WireError(f"the kernel sent an unknown token {sorted(token)[:3]}")

    def encode(self, value):
        return wire.encode(value, self.token)

    def decode(self, data):
        return wire.decode(data, self.resolve)

    # --- the cell's budget -------------------------------------------------------
    def begin(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.output, self.output_size = [], 0
        self.idle.clear()

    def end(self) -> None:
        # The test's functions stop working now; the kernel lets go of the objects this
        # cell held when the next cell's lookup arrives (one round trip fewer per cell).
        self.callbacks.clear()
        if self.serving is not None:
            self._stop_serving()

    def lookup(self, names: set[str]) -> dict:
        if not names:
            return {}
        found, _ = self.request({"op": "lookup", "names": sorted(names)})
        if not isinstance(found, dict):
            raise KernelUnavailable("the kernel answered the grader with something else than a table of names")
        result = {}
        for name, value in found.items():
            if callable(value) and not isinstance(value, Remote):
                # A name bound to a function of the catalogue or of NumPy in the kernel is
                # still the student's answer: it runs there, under the test's watch and
                # limits, never here as if it were the grader's own.
                value = Remote(self, self.token(value), f"your `{name}`")
            if isinstance(value, Remote):
                object.__setattr__(value, "_label", f"your `{name}`")
            result[name] = value
        return result

    # --- one request -------------------------------------------------------------
    def request(self, payload: dict, seconds: float | None = None) -> tuple[Any, Any]:
        """(value, the array arguments after the call) of one request; `seconds` limits
        the time the kernel may take (from outside: the kernel is interrupted)."""
        message = self._exchange(payload, seconds)
        if "error" in message:
            raise self._error(message["error"])
        try:
            return self.decode(message.get("ok")), (self.decode(message["after"]) if "after" in message else None)
        except wire.WireError as exc:
            raise KernelUnavailable(f"the kernel's answer is not well-formed data: {exc}") from None

    def call_each(self, token: dict, calls: list[tuple[tuple, dict]], helpers: dict,
                  watch: tuple[str, ...] = (), seconds: float | None = None) -> list:
        """One function called on many argument lists in one round trip.

        Each item of the answer is (value, arrays after the call) or the exception
        that call raised (RemoteError, NotImplementedError). With a time limit, each
        call is a request of its own, so that each is timed here, from outside.
        """
        if seconds:
            results = []
            for args, kwargs in calls:
                request = {"op": "call", "target": token, "globals": self.encode(helpers),
                           "args": self.encode(args), "kwargs": self.encode(kwargs)}
                if watch:
                    request["watch"] = list(watch)
                try:
                    results.append(self.request(request, seconds=seconds))
                except (RemoteError, NotImplementedError) as exc:
                    results.append(exc)
            return results
        request = {"op": "call_each", "target": token, "globals": self.encode(helpers),
                   "watch": list(watch),
                   "calls": [{"args": self.encode(a), "kwargs": self.encode(k)} for a, k in calls]}
        message = self._exchange(request)
        if "error" in message:
            raise self._error(message["error"])
        answers = message.get("each")
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise KernelUnavailable("the kernel's answer is not well-formed data")
        results = []
        for answer in answers:
            if not isinstance(answer, dict):
                raise KernelUnavailable("the kernel's answer is not well-formed data")
            if "error" in answer:
                results.append(self._error(answer["error"]))
                continue
            try:
                results.append((self.decode(answer.get("ok")), self.decode(answer.get("after"))))
            except wire.WireError as exc:
                raise KernelUnavailable(f"the kernel's answer is not well-formed data: {exc}") from None
        return results

    @staticmethod
    def _error(error) -> Exception:
        error = error if isinstance(error, dict) else {}
        ename, evalue = str(error.get("ename", "Error"))[:100], str(error.get("evalue", ""))[:4000]
        if ename == "NotImplementedError":
            return NotImplementedError(evalue)
        return RemoteError(ename, evalue, str(error.get("line", ""))[:300])

    def _exchange(self, payload: dict, seconds: float | None = None) -> dict:
        """The kernel's answer to one request, parsed once its size is checked."""
        if self.in_callback:
            # The kernel is waiting for this callback's answer and cannot serve another
            # request: fail at once instead of waiting for each other.
            raise RemoteError("RuntimeError", "a function of the test was given an object "
                              "that lives in the student's kernel")
        # The reply is the JSON text itself (`adcourse.remote.Reply`): its size is checked
        # before it is parsed, and nothing the kernel sent is evaluated.
        try:
            message = wire.loads(self._send(wire.dumps(payload), seconds))
        except wire.WireError as exc:
            raise KernelUnavailable(f"the kernel's answer is not well-formed data ({exc})") from None
        if not isinstance(message, dict):
            raise KernelUnavailable("the kernel's answer is not well-formed data")
        return message

    def _send(self, request_text: str, seconds: float | None) -> str | None:
        """The transport: `adcourse.remote.handle(request_text)` run in the kernel, its
        callbacks served meanwhile; returns the reply's text, not parsed. `seconds`
        limits the call as `_wait` says. Over the kernel's channel when it has one."""
        if self.channel is None:
            return self._send_as_expression(request_text, seconds)
        if self.dropped:
            raise KernelUnavailable(self.dropped)
        if self.serving is None:
            try:
                self.serving = self.client.execute(SERVE, silent=True, store_history=False,
                                                   allow_stdin=False)
            except zmq.Again:
                raise KernelUnavailable("the kernel does not take requests any more") from None
        number = str(next(self.sequence))
        self._write(f"Q{number} {request_text}\n", self._send_by())
        reply, interrupted, _ = self._awaited(
            lambda timeout, deadline: self._poll_channel(number, timeout, deadline), seconds)
        return _time_limit_reply(seconds, reply) if interrupted else reply

    def _awaited(self, poll: Callable[[float, float | None], Any], seconds: float | None):
        """(the answer, whether the call was interrupted first, the wait's deadline):
        `poll(timeout, deadline)` until it answers. The wait ends at the cell's deadline,
        or `seconds` from now for a call with a time limit: the kernel is then interrupted
        and the call fails with TimeLimitExceeded, whatever the kernel's own code did to
        its timers and signals (the interrupted call should answer at once, with the
        KeyboardInterrupt it got and the line it was at)."""
        limit, deadline = self._limits(seconds)
        while (remaining := deadline - time.monotonic()) > 0:
            answer = poll(remaining, deadline)
            if answer is not None:
                return answer, False, deadline
        self.interrupt()
        if limit > self.deadline:
            raise KernelUnavailable(OUT_OF_TEST_TIME)
        end = time.monotonic() + min(INTERRUPT_GRACE, max(self.deadline - time.monotonic(), 0.0))
        answer = None
        while answer is None and time.monotonic() < end:
            answer = poll(end - time.monotonic(), None)
        if answer is None:
            raise KernelUnavailable(f"the call {_did_not_finish(seconds)}, and the kernel did not "
                                    "answer when interrupted")
        return answer, True, deadline

    def _send_by(self) -> float:
        """When a line to the kernel must be out: CHANNEL_SEND_TIMEOUT, within the cell's time."""
        return min(time.monotonic() + CHANNEL_SEND_TIMEOUT, self.deadline)

    def _write(self, line: str, until: float) -> None:
        try:
            self.channel.settimeout(max(until - time.monotonic(), 0.001))
            self.channel.sendall(line.encode())
        except OSError as exc:  # a timeout (part of the line may be out), or the kernel gone
            self.dropped = f"the kernel does not read the grader's requests ({exc})"
            raise KernelUnavailable(self.dropped) from None

    def _poll_channel(self, number: str, timeout: float, deadline: float | None) -> str | None:
        """Handle what arrives within `timeout` on the channel and the kernel's channels:
        the reply to request `number` (its text, returned), callbacks (run under
        `deadline`; refused when it is None), the request's output."""
        reply, callback = f"R{number} ".encode(), f"C{number} ".encode()
        while (line := self._line()) is not None:
            if line.startswith(reply):
                return line[len(reply):].decode(errors="replace")
            if line.startswith(callback):
                prompt = line[len(callback):].decode(errors="replace")
                answer = (self._callback(prompt, deadline) if deadline is not None
                          else wire.dumps({"error": "the call's time is up"}))
                self._write(f"A{number} {answer}\n", self._send_by())
            # anything else: a stale reply (a request given up on), or noise from the kernel
        ready = self._ready([self.channel, self.client.shell_channel.socket,
                             self.client.iopub_channel.socket], timeout)
        if self.client.iopub_channel.socket in ready:
            self._drain_output(self.serving, time.monotonic())
        if self.client.shell_channel.socket in ready:
            self._shell_replies(time.monotonic() + SHELL_READ_SLICE)
            if self.serving is None:
                raise KernelUnavailable("the kernel stopped answering the grader's requests")
        if self.channel.fileno() in ready:  # ZeroMQ reports a plain socket by its descriptor
            self._read_channel()
        elif not ready and not self.alive():
            raise KernelUnavailable(KERNEL_DIED)
        return None

    def _ready(self, sockets: list, timeout: float) -> dict:
        """Which of `sockets` have something to read within `timeout` (at most 1 s); a
        connection ZeroMQ dropped (a message over MAX_KERNEL_MESSAGE) drops the kernel."""
        poller = zmq.Poller()
        for watched in [*sockets, *self.monitors]:
            poller.register(watched, zmq.POLLIN)
        ready = dict(poller.poll(timeout=max(min(timeout, 1.0), 0.0) * 1000))
        if any(monitor in ready for monitor in self.monitors):
            self.dropped = OVERSIZED
            raise KernelUnavailable(self.dropped)
        return ready

    def _read_channel(self) -> None:
        try:
            self.channel.setblocking(False)
            chunk = self.channel.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            raise KernelUnavailable(KERNEL_DIED)
        self.pending += chunk
        if len(self.pending) > MAX_KERNEL_MESSAGE and b"\n" not in chunk:
            self.dropped = OVERSIZED
            raise KernelUnavailable(self.dropped)

    def _line(self) -> bytes | None:
        end = self.pending.find(b"\n")
        if end < 0:
            return None
        line = bytes(self.pending[:end])
        del self.pending[:end + 1]
        return line

    def _shell_replies(self, until: float) -> None:
        """Read the shell channel until `until` at most (a kernel may flood it): the
        execute_reply to `serve` means it has ended."""
        while time.monotonic() < until:
            try:
                msg = self.client.shell_channel.get_msg(timeout=0)
            except queue.Empty:
                return
            parent = msg.get("parent_header") if isinstance(msg, dict) else None
            if isinstance(parent, dict) and parent.get("msg_id") == self.serving \
                    and msg.get("msg_type") == "execute_reply":
                self.serving = None

    def _stop_serving(self) -> None:
        """End the test cell's `serve` and take its last output, within OUTPUT_GRACE; the
        kernel is then free for the notebook's next cell. A `serve` that has not ended
        by then (a call that swallowed its interrupt, a kernel flooding its channels)
        leaves the channel out of step: it is dropped, and later requests fail."""
        serving, until = self.serving, time.monotonic() + OUTPUT_GRACE
        try:
            self._write("E\n", until)
            while self.serving is not None and time.monotonic() < until:
                if self.client.shell_channel.socket.poll(max(until - time.monotonic(), 0) * 1000):
                    self._shell_replies(until)
                elif not self.alive():
                    break
            if self.serving is not None and not self.dropped:
                self.dropped = "the kernel did not end the test cell's requests in time"
            self._drain_output(serving, until)
        except KernelUnavailable:
            pass
        finally:
            self.serving, self.pending = None, bytearray()

    def _send_as_expression(self, request_text: str, seconds: float | None) -> str | None:
        """The transport of a kernel without a channel: `adcourse.remote.handle(request_text)`
        as a user expression of an execute_request, its callbacks over stdin."""
        expression = ("__import__('adcourse.remote', fromlist=['handle'])"
                      f".handle({request_text!r})")
        if self.dropped:
            raise KernelUnavailable(self.dropped)
        try:
            msg_id = self.client.execute("", silent=True, store_history=False,
                                         user_expressions={"reply": expression}, allow_stdin=True)
        except zmq.Again:
            raise KernelUnavailable("the kernel does not take requests any more") from None
        reply = self._wait(msg_id, seconds)
        answer = reply.get("user_expressions", {}) if isinstance(reply, dict) else {}
        answer = answer.get("reply", {}) if isinstance(answer, dict) else {}
        answer = answer if isinstance(answer, dict) else {}
        if reply.get("status") != "ok" or answer.get("status") != "ok":
            detail = str(answer.get("ename") or reply.get("ename") or "no reply")[:100]
            raise KernelUnavailable(f"the kernel did not answer the grader ({detail}); was "
                                    "IPython or the course's modules changed in the kernel?")
        data = answer.get("data")
        return data.get("text/plain") if isinstance(data, dict) else None

    def _limits(self, seconds: float | None) -> tuple[float, float]:
        """(the end of a call's own time limit, or inf; when its wait ends: that or the
        test cell's deadline, whichever comes first), from now."""
        limit = time.monotonic() + float(seconds) if seconds else math.inf
        return limit, min(self.deadline, limit)

    def _wait(self, msg_id: str, seconds: float | None = None) -> dict:
        """The kernel's execute_reply to `msg_id`, serving its callbacks meanwhile, within
        the cell's deadline or the call's own limit (`_awaited`)."""
        reply, interrupted, deadline = self._awaited(
            lambda timeout, until: self._poll(msg_id, timeout, until), seconds)
        if not interrupted:
            self._drain_output(msg_id, min(deadline, time.monotonic() + OUTPUT_GRACE))
            return reply
        try:
            text = reply["user_expressions"]["reply"]["data"]["text/plain"]
        except (KeyError, TypeError):
            text = None
        return {"status": "ok", "user_expressions": {"reply": {"status": "ok", "data": {
            "text/plain": _time_limit_reply(seconds, text)}}}}

    def _drain_output(self, msg_id: str, until: float) -> None:
        """Keep the request's output that is still on its way: the execute_reply comes on
        the shell channel, the output on IOPub, ending with the request's `idle` status."""
        channel = self.client.iopub_channel
        while msg_id not in self.idle:
            wait = until - time.monotonic()
            if wait < -0.1:  # past its time (a flood): the rest is not kept
                return
            try:
                msg = channel.get_msg(timeout=max(wait, 0.0))
            except queue.Empty:
                return
            parent = msg.get("parent_header") if isinstance(msg, dict) else None
            if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
                continue
            content = msg.get("content") if isinstance(msg.get("content"), dict) else {}
            if msg.get("msg_type") == "stream":
                self._keep_output(str(content.get("name", "stdout"))[:10], content.get("text", ""))
            elif msg.get("msg_type") == "status" and content.get("execution_state") == "idle":
                self.idle.add(msg_id)

    def _poll(self, msg_id: str, timeout: float, deadline: float | None) -> dict | None:
        """Handle what arrives within `timeout`: the execute_reply to `msg_id` (returned),
        the kernel's callbacks (run under `deadline`; refused when it is None) and its output."""
        sockets = {self.client.shell_channel.socket: self.client.shell_channel,
                   self.client.stdin_channel.socket: self.client.stdin_channel,
                   self.client.iopub_channel.socket: self.client.iopub_channel}
        ready = self._ready(list(sockets), timeout)
        if not ready:
            if not self.alive():
                raise KernelUnavailable(KERNEL_DIED)
            return None
        for ready_socket in ready:
            channel = sockets.get(ready_socket)
            if channel is None:
                continue
            try:
                msg = channel.get_msg(timeout=0)
            except queue.Empty:
                continue
            parent = msg.get("parent_header") if isinstance(msg, dict) else None
            if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
                continue
            kind = msg.get("msg_type")
            content = msg.get("content") if isinstance(msg.get("content"), dict) else {}
            if channel is self.client.shell_channel and kind == "execute_reply":
                return content
            if kind == "input_request":
                prompt = content.get("prompt", "")
                self.client.input(self._callback(prompt, deadline) if deadline is not None
                                  else wire.dumps({"error": "the call's time is up"}))
            elif kind == "stream":
                self._keep_output(str(content.get("name", "stdout"))[:10], content.get("text", ""))
            elif kind == "status" and content.get("execution_state") == "idle":
                self.idle.add(msg_id)  # all of the request's output came before this
        return None

    def _keep_output(self, name: str, text: str) -> None:
        room = OUTPUT_LIMIT - self.output_size
        if room <= 0 or not isinstance(text, str):
            return
        if len(text) > room:
            text = text[:room] + "\n... output truncated ...\n"
        self.output.append((name, text))
        self.output_size += len(text)

    def _callback(self, prompt: str, deadline: float) -> str:
        """Run a function of the test for the kernel, within the test's remaining time;
        what the kernel sent is size-checked before it is parsed (`wire.loads`)."""
        try:
            request = wire.loads(prompt)
            if not isinstance(request, dict):
                raise wire.WireError("bad request")
            function = self.callbacks.get(int(request["cb"]))
            if function is None:
                return wire.dumps({"error": "this function is no longer available"})
            args = self.decode(request.get("args", {"$t": []}))
            kwargs = self.decode(request.get("kwargs", {"$d": []}))
            if not isinstance(args, tuple) or not isinstance(kwargs, dict) or \
                    not all(isinstance(k, str) for k in kwargs):
                raise wire.WireError("bad arguments")
            self.in_callback += 1
            try:
                result = _within(deadline - time.monotonic(), function, args, kwargs)
            finally:
                self.in_callback -= 1
            return wire.dumps({"ok": self.encode(result)})
        except Exception as exc:
            return wire.dumps({"error": f"{type(exc).__name__}: {str(exc)[:500]}"})


#: Why a request failed when the test cell's own time ran out.
OUT_OF_TEST_TIME = "no answer within the time limit of the test"


def _did_not_finish(seconds: float) -> str:
    return f"did not finish within {float(seconds):g} s"


def _time_limit_reply(seconds: float, interrupted: str | None) -> str:
    """The reply text that stands for a call stopped at its own time limit, with the
    student's line it was at, read from the interrupted call's reply text (if any)."""
    try:
        line = str(wire.loads(interrupted)["error"].get("line", ""))[:300]
    except Exception:
        line = ""
    return wire.dumps({"error": {"ename": "TimeLimitExceeded", "evalue": _did_not_finish(seconds),
                                 "line": line}})


def _within(seconds: float, function: Callable, args: tuple, kwargs: dict,
            expired: Callable[[str], BaseException] = CallbackTimeLimit):
    """function(*args, **kwargs), stopped with `expired(message)` (CallbackTimeLimit unless
    told) after `seconds` (by SIGALRM, in the grader's main thread; elsewhere it runs
    unstopped, and the test's deadline is checked when it returns)."""
    if seconds <= 0:
        raise expired("the test's time was up before this function was called")
    if threading.current_thread() is not threading.main_thread():
        return function(*args, **kwargs)

    def expire(signum, frame):
        raise expired(f"a function of the test ran out of the test's time "
                      f"({seconds:.3g} s were left)")

    with alarm(seconds, expire):
        return function(*args, **kwargs)


class Loopback(Bridge):
    """A bridge to the kernel end run in this process, on `namespace` (the student's
    names as a dict): tests of the checking API and of hidden tests, in milliseconds.

    Only the transport differs from a `Bridge`: each request's JSON text is given to
    `adcourse.remote.handle` (under `adcourse.remote.serving`) instead of being sent to a
    kernel, and the reply's text is size-checked and parsed as a kernel's; the kernel
    end's callbacks are served by `Bridge._callback`, with its size checks and the
    test's remaining time. Encoding, `call_each`, copy-back of arrays, `watching`,
    errors and NotData are the Bridge's and the kernel end's own. As with a Bridge,
    `begin(seconds)` opens a test cell's budget before the first request.

    Time limits (the test cell's, a call's `seconds`) are kept by SIGALRM in the main
    thread (`_within`): when one runs out, the call gets a KeyboardInterrupt where a
    kernel would get SIGINT, and fails as it would there. Not modelled: a kernel that
    goes on after its interrupt (a call that swallows the KeyboardInterrupt runs on, and
    off the main thread nothing is stopped), a kernel that dies or drops its connection,
    messages over MAX_KERNEL_MESSAGE, output on IOPub (the student's prints go to this
    process's stdout, which `run_test_cell` captures with the test's), and separation:
    the student's code runs in the grader's process, and a watched call's profile sees
    the test's callbacks too (which run in the grader, unwatched, with a kernel). The
    kernel end keeps one table of handles per process, as a kernel does: one loopback
    at a time.
    """

    def __init__(self, namespace: dict):
        super().__init__(client=None, alive=lambda: True, interrupt=lambda: None)
        self.namespace = namespace

    def _send(self, request_text: str, seconds: float | None) -> str | None:
        limit, deadline = self._limits(seconds)
        interrupted = []

        def interrupt(message: str) -> BaseException:
            interrupted.append(message)
            return KeyboardInterrupt(message)  # what the kernel's SIGINT raises

        def kernel() -> str:
            with remote.serving(self.namespace, lambda prompt: self._callback(prompt, deadline)):
                return repr(remote.handle(request_text))  # the reply's text/plain, as IPython's

        reply = None
        try:
            reply = _within(deadline - time.monotonic(), kernel, (), {}, expired=interrupt)
        except KeyboardInterrupt:
            if not interrupted:
                raise  # an interrupt of the grader itself is no test's result
        if not interrupted:
            return reply
        if limit > self.deadline:
            raise KernelUnavailable(OUT_OF_TEST_TIME)
        return _time_limit_reply(seconds, reply)


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
        raise GraderTimeLimit(f"checking this answer took the grader more than the test's "
                              f"{seconds - GRADER_GRACE:g} s (is the answer far larger than it should be?)")

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
        raise NotData(f"SymPy was given the text {str(text)[:60]!r} to turn into an expression: the "
                      "grader never parses text (it would run it), and an answer must be an "
                      "expression, not a string")

    sympy_parser.parse_expr = parse_expr


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
