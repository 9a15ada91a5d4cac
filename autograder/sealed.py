"""Sealed test cells: tests run in the grader, the student's code in the kernel.

A test cell is executed here, in the grading process, with the real NumPy, the
real checking API and the references; the names of the student's exercises (and
only those) stand for `Remote` proxies. Calling a proxy asks the kernel, through
`adcourse.remote`, to compute the student's answer on those inputs; only data comes
back (`adcourse.wire`). So patching NumPy or IPython, redefining a helper, or
rewriting the checking API in the kernel changes nothing a test decides: all the
student's code can do is give answers, and a missing or malformed answer fails.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import io
import math
import queue
import time
from typing import Any, Callable

import numpy as np
import zmq

from adcourse import functions, wire

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


def exercise_names(answer_sources: list[str]) -> set[str]:
    """Names the answer cells define at top level: the names tests may take from the kernel."""
    names = set()
    for source in answer_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _names_used(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_used(const)
    return names


class Remote:
    """Something the student defined, living in the kernel."""

    __slots__ = ("_bridge", "_token", "_label", "_globals", "_watch", "_seconds")
    # NumPy defers to the proxy's reflected operators: `array @ tensor` and `array + tensor`
    # run the student's __rmatmul__ / __radd__ instead of NumPy treating the proxy as an object.
    __array_ufunc__ = None

    def __init__(self, bridge: "Bridge", token: dict, label: str, globals_: dict | None = None,
                 watch: tuple[str, ...] = (), seconds: float | None = None):
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
        if self._seconds:
            request["seconds"] = float(self._seconds)
        value, after = self._bridge.request(request)
        _copy_back(args, after)
        return value

    def call_each(self, calls: list[tuple[tuple, dict]]) -> list:
        """Call this function on each (args, kwargs) in one round trip to the kernel;
        each item is (value, None) or the exception raised, as `Bridge.call_each`."""
        results = self._bridge.call_each(self._token, calls, self._globals, self._watch, self._seconds)
        for (args, _), result in zip(calls, results):
            if isinstance(result, tuple):
                _copy_back(args, result[1])
        return [r if isinstance(r, Exception) else (r[0], None) for r in results]

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
        if name.startswith("__"):
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
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(Remote, f"__{_name}__", _binary(_name))
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

    def __init__(self, client, alive: Callable[[], bool], interrupt: Callable[[], None]):
        self.client, self.alive, self.interrupt = client, alive, interrupt
        self.callbacks: dict[int, Callable] = {}
        self.numbers = iter(range(1, 2**62))
        self.deadline = math.inf
        self.output: list[tuple[str, str]] = []
        self.output_size = 0
        self.in_callback = 0

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
            return Remote(self, {"$h": int(token["$h"])}, f"student's {str(token.get('type', 'object'))[:60]}")
        raise wire.WireError(f"the kernel sent an unknown token {sorted(token)[:3]}")

    def encode(self, value):
        return wire.encode(value, self.token)

    def decode(self, data):
        return wire.decode(data, self.resolve)

    # --- the cell's budget -------------------------------------------------------
    def begin(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.output, self.output_size = [], 0

    def end(self) -> None:
        # The test's functions stop working now; the kernel lets go of the objects this
        # cell held when the next cell's lookup arrives (one round trip fewer per cell).
        self.callbacks.clear()

    def lookup(self, names: set[str]) -> dict:
        if not names:
            return {}
        found, _ = self.request({"op": "lookup", "names": sorted(names)})
        if not isinstance(found, dict):
            raise KernelUnavailable("the kernel answered the grader with something else than a table of names")
        result = {}
        for name, value in found.items():
            if isinstance(value, Remote):
                object.__setattr__(value, "_label", f"your `{name}`")
            result[name] = value
        return result

    # --- one request -------------------------------------------------------------
    def request(self, payload: dict) -> tuple[Any, Any]:
        """(value, the array arguments after the call) of one request."""
        message = self._exchange(payload)
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
        that call raised (RemoteError, NotImplementedError).
        """
        request = {"op": "call_each", "target": token, "globals": self.encode(helpers),
                   "watch": list(watch),
                   "calls": [{"args": self.encode(a), "kwargs": self.encode(k)} for a, k in calls]}
        if seconds:
            request["seconds"] = float(seconds)
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

    def _exchange(self, payload: dict) -> dict:
        if self.in_callback:
            # The kernel is waiting for this callback's answer and cannot serve another
            # request: fail at once instead of waiting for each other.
            raise RemoteError("RuntimeError", "a function of the test was given an object "
                              "that lives in the student's kernel")
        expression = ("__import__('adcourse.remote', fromlist=['handle'])"
                      f".handle({wire.dumps(payload)!r})")
        msg_id = self.client.execute("", silent=True, store_history=False,
                                     user_expressions={"reply": expression}, allow_stdin=True)
        reply = self._wait(msg_id)
        answer = reply.get("user_expressions", {}).get("reply", {})
        if reply.get("status") != "ok" or answer.get("status") != "ok":
            detail = answer.get("ename") or reply.get("ename") or "no reply"
            raise KernelUnavailable(f"the kernel did not answer the grader ({detail}); was "
                                    "IPython or the course's modules changed in the kernel?")
        try:
            message = wire.loads(ast.literal_eval(answer["data"]["text/plain"]))
        except Exception:
            raise KernelUnavailable("the kernel's answer is not well-formed data") from None
        if not isinstance(message, dict):
            raise KernelUnavailable("the kernel's answer is not well-formed data")
        return message

    def _wait(self, msg_id: str) -> dict:
        sockets = {self.client.shell_channel.socket: self.client.shell_channel,
                   self.client.stdin_channel.socket: self.client.stdin_channel,
                   self.client.iopub_channel.socket: self.client.iopub_channel}
        poller = zmq.Poller()
        for socket in sockets:
            poller.register(socket, zmq.POLLIN)
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.interrupt()
                raise KernelUnavailable("no answer within the time limit of the test")
            ready = dict(poller.poll(timeout=min(remaining, 1.0) * 1000))
            if not ready:
                if not self.alive():
                    raise KernelUnavailable("the kernel died (did the code exceed the memory "
                                            "or CPU limit, or end the process?)")
                continue
            for socket in ready:
                channel = sockets[socket]
                try:
                    msg = channel.get_msg(timeout=0)
                except queue.Empty:
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if channel is self.client.shell_channel and kind == "execute_reply":
                    return msg["content"]
                if kind == "input_request":
                    self.client.input(self._callback(msg["content"].get("prompt", "")))
                elif kind == "stream":
                    self._keep_output(msg["content"].get("name", "stdout"), msg["content"].get("text", ""))

    def _keep_output(self, name: str, text: str) -> None:
        room = OUTPUT_LIMIT - self.output_size
        if room <= 0:
            return
        if len(text) > room:
            text = text[:room] + "\n... output truncated ...\n"
        self.output.append((name, text))
        self.output_size += len(text)

    def _callback(self, prompt: str) -> str:
        try:
            request = wire.loads(prompt)
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
                result = function(*args, **kwargs)
            finally:
                self.in_callback -= 1
            return wire.dumps({"ok": self.encode(result)})
        except Exception as exc:
            return wire.dumps({"error": f"{type(exc).__name__}: {str(exc)[:500]}"})


def run_test_cell(bridge: Bridge, source: str, label: str, student_names: set[str],
                  seconds: float) -> tuple[list[tuple[str, str]], BaseException | None]:
    """Execute a test cell here; return (output streams, the exception it raised or None)."""
    captured = io.StringIO()
    error: BaseException | None = None
    bridge.begin(seconds)
    try:
        code = compile(source, f"<{label}>", "exec")
        wanted = (_names_used(code) & student_names) - set(vars(builtins))
        namespace = {"__builtins__": builtins, "__name__": "__test__"}
        namespace.update(bridge.lookup(wanted))
        namespace.update(trusted_namespace())
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            exec(code, namespace)
    except BaseException as exc:  # the test's failure is its result
        error = exc
    finally:
        bridge.end()
    outputs = list(bridge.output)
    if captured.getvalue():
        outputs.append(("stdout", captured.getvalue()[:OUTPUT_LIMIT]))
    return outputs, error
