"""The bridge between a test cell in the grader and the student's kernel: requests,
replies, callbacks, output and time limits (see autograder.sealed)."""
from __future__ import annotations

import math
import queue
import socket
import threading
import time
from typing import Any, Callable

import numpy as np
import zmq

from adcourse import functions, remote, wire
from adcourse.i18n import N_, _
from adcourse.remote import alarm

from ._proxy import CallbackTimeLimit, KernelUnavailable, Remote, RemoteError


#: What the kernel runs while a test cell's requests come over its channel.
SERVE = "__import__('adcourse.remote', fromlist=['serve']).serve()"
#: Why a request failed when the kernel process is gone.
KERNEL_DIED = N_("the kernel died (did the code exceed the memory or CPU limit, or end the process?)")

#: Seconds a request may take to be written to the kernel's channel.
CHANNEL_SEND_TIMEOUT = 10.0
#: Seconds spent reading the shell channel at a time, while a request waits.
SHELL_READ_SLICE = 0.05

#: Seconds the grader waits, after a reply, for the rest of the request's output.
OUTPUT_GRACE = 2.0

#: Characters of output kept per test cell (student prints included).
OUTPUT_LIMIT = 20_000


#: The longest message the grader's sockets take from a kernel (ZeroMQ's MAXMSGSIZE,
#: set on every channel: a longer one is dropped with its connection, before
#: jupyter_client deserialises anything). A reply is at most wire.MAX_MESSAGE_CHARS of
#: JSON text, which the message's own JSON may escape to twice that, plus its envelope.
MAX_KERNEL_MESSAGE = 64 * 2**20
#: Why a kernel that sent a longer message (or channel line) is dropped.
_OVERSIZED = N_("the kernel sent a message of more than {size} MiB, and its connection to the grader "
                "was dropped")
OVERSIZED = _OVERSIZED.format(size=MAX_KERNEL_MESSAGE >> 20)


def _oversized() -> str:
    """OVERSIZED in the current language."""
    return _(_OVERSIZED).format(size=MAX_KERNEL_MESSAGE >> 20)

#: Grace the kernel gets to answer after it was interrupted for a call's time limit.
INTERRUPT_GRACE = 5.0



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
                raise wire.WireError(_("a value of another kernel"))
            return value._token
        if isinstance(value, functions.Fn) and any(value is fn for fn in functions.CATALOGUE):
            return {"$fn": value.name}
        if isinstance(value, np.ufunc):
            return {"$np": value.__name__}
        if callable(value):
            number = next(self.numbers)
            self.callbacks[number] = value
            return {"$cb": number, "name": getattr(value, "__name__", repr(value))[:80]}
        raise wire.WireError(_("a {kind} cannot be sent to the kernel").format(kind=type(value).__name__))

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
            return Remote(self, {"$h": int(token["$h"])}, _("student's {kind}").format(kind=kind), type_name=kind)
        raise wire.WireError(_("the kernel sent an unknown token {keys}").format(keys=sorted(token)[:3]))

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
        found, _after = self.request({"op": wire.LOOKUP, "names": sorted(names)})
        if not isinstance(found, dict):
            raise KernelUnavailable(_("the kernel answered the grader with something else than a table of names"))
        result = {}
        for name, value in found.items():
            if callable(value) and not isinstance(value, Remote):
                # A name bound to a function of the catalogue or of NumPy in the kernel is
                # still the student's answer: it runs there, under the test's watch and
                # limits, never here as if it were the grader's own.
                value = Remote(self, self.token(value), _("your `{name}`").format(name=name))
            if isinstance(value, Remote):
                object.__setattr__(value, "_label", _("your `{name}`").format(name=name))
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
            raise KernelUnavailable(_("the kernel's answer is not well-formed data: {error}").format(error=exc)) from None

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
                request = {"op": wire.CALL, "target": token, "globals": self.encode(helpers),
                           "args": self.encode(args), "kwargs": self.encode(kwargs)}
                if watch:
                    request["watch"] = list(watch)
                try:
                    results.append(self.request(request, seconds=seconds))
                except (RemoteError, NotImplementedError) as exc:
                    results.append(exc)
            return results
        request = {"op": wire.CALL_EACH, "target": token, "globals": self.encode(helpers),
                   "watch": list(watch),
                   "calls": [{"args": self.encode(a), "kwargs": self.encode(k)} for a, k in calls]}
        message = self._exchange(request)
        if "error" in message:
            raise self._error(message["error"])
        answers = message.get("each")
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise KernelUnavailable(_("the kernel's answer is not well-formed data"))
        results = []
        for answer in answers:
            if not isinstance(answer, dict):
                raise KernelUnavailable(_("the kernel's answer is not well-formed data"))
            if "error" in answer:
                results.append(self._error(answer["error"]))
                continue
            try:
                results.append((self.decode(answer.get("ok")), self.decode(answer.get("after"))))
            except wire.WireError as exc:
                raise KernelUnavailable(_("the kernel's answer is not well-formed data: {error}").format(
                    error=exc)) from None
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
            raise RemoteError("RuntimeError", _("a function of the test was given an object "
                                                "that lives in the student's kernel"))
        # The reply is the JSON text itself (`adcourse.remote.Reply`): its size is checked
        # before it is parsed, and nothing the kernel sent is evaluated.
        try:
            message = wire.loads(self._send(wire.dumps(payload), seconds))
        except wire.WireError as exc:
            raise KernelUnavailable(_("the kernel's answer is not well-formed data ({error})").format(
                error=exc)) from None
        if not isinstance(message, dict):
            raise KernelUnavailable(_("the kernel's answer is not well-formed data"))
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
                raise KernelUnavailable(_("the kernel does not take requests any more")) from None
        number = str(next(self.sequence))
        self._write(f"Q{number} {request_text}\n", self._send_by())
        reply, interrupted, _deadline = self._awaited(
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
            raise KernelUnavailable(_(OUT_OF_TEST_TIME))
        end = time.monotonic() + min(INTERRUPT_GRACE, max(self.deadline - time.monotonic(), 0.0))
        answer = None
        while answer is None and time.monotonic() < end:
            answer = poll(end - time.monotonic(), None)
        if answer is None:
            raise KernelUnavailable(_("the call did not finish within {seconds} s, and the kernel did not "
                                      "answer when interrupted").format(seconds=f"{float(seconds):g}"))
        return answer, True, deadline

    def _send_by(self) -> float:
        """When a line to the kernel must be out: CHANNEL_SEND_TIMEOUT, within the cell's time."""
        return min(time.monotonic() + CHANNEL_SEND_TIMEOUT, self.deadline)

    def _write(self, line: str, until: float) -> None:
        try:
            self.channel.settimeout(max(until - time.monotonic(), 0.001))
            self.channel.sendall(line.encode())
        except OSError as exc:  # a timeout (part of the line may be out), or the kernel gone
            self.dropped = _("the kernel does not read the grader's requests ({error})").format(error=exc)
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
                          else wire.dumps({"error": _("the call's time is up")}))
                self._write(f"A{number} {answer}\n", self._send_by())
            # anything else: a stale reply (a request given up on), or noise from the kernel
        ready = self._ready([self.channel, self.client.shell_channel.socket,
                             self.client.iopub_channel.socket], timeout)
        if self.client.iopub_channel.socket in ready:
            self._drain_output(self.serving, time.monotonic())
        if self.client.shell_channel.socket in ready:
            self._shell_replies(time.monotonic() + SHELL_READ_SLICE)
            if self.serving is None:
                raise KernelUnavailable(_("the kernel stopped answering the grader's requests"))
        if self.channel.fileno() in ready:  # ZeroMQ reports a plain socket by its descriptor
            self._read_channel()
        elif not ready and not self.alive():
            raise KernelUnavailable(_(KERNEL_DIED))
        return None

    def _ready(self, sockets: list, timeout: float) -> dict:
        """Which of `sockets` have something to read within `timeout` (at most 1 s); a
        connection ZeroMQ dropped (a message over MAX_KERNEL_MESSAGE) drops the kernel."""
        poller = zmq.Poller()
        for watched in [*sockets, *self.monitors]:
            poller.register(watched, zmq.POLLIN)
        ready = dict(poller.poll(timeout=max(min(timeout, 1.0), 0.0) * 1000))
        if any(monitor in ready for monitor in self.monitors):
            self.dropped = _oversized()
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
            raise KernelUnavailable(_(KERNEL_DIED))
        self.pending += chunk
        if len(self.pending) > MAX_KERNEL_MESSAGE and b"\n" not in chunk:
            self.dropped = _oversized()
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
                self.dropped = _("the kernel did not end the test cell's requests in time")
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
            raise KernelUnavailable(_("the kernel does not take requests any more")) from None
        reply = self._wait(msg_id, seconds)
        answer = reply.get("user_expressions", {}) if isinstance(reply, dict) else {}
        answer = answer.get("reply", {}) if isinstance(answer, dict) else {}
        answer = answer if isinstance(answer, dict) else {}
        if reply.get("status") != "ok" or answer.get("status") != "ok":
            detail = str(answer.get("ename") or reply.get("ename") or "no reply")[:100]
            raise KernelUnavailable(_("the kernel did not answer the grader ({detail}); was IPython or the "
                                      "course's modules changed in the kernel?").format(detail=detail))
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
                raise KernelUnavailable(_(KERNEL_DIED))
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
                                  else wire.dumps({"error": _("the call's time is up")}))
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
            text = text[:room] + "\n" + _("... output truncated ...") + "\n"
        self.output.append((name, text))
        self.output_size += len(text)

    def _callback(self, prompt: str, deadline: float) -> str:
        """Run a function of the test for the kernel, within the test's remaining time;
        what the kernel sent is size-checked before it is parsed (`wire.loads`)."""
        try:
            request = wire.loads(prompt)
            if not isinstance(request, dict):
                raise wire.WireError(_("bad request"))
            function = self.callbacks.get(int(request["cb"]))
            if function is None:
                return wire.dumps({"error": _("this function is no longer available")})
            args = self.decode(request.get("args", {"$t": []}))
            kwargs = self.decode(request.get("kwargs", {"$d": []}))
            if not isinstance(args, tuple) or not isinstance(kwargs, dict) or \
                    not all(isinstance(k, str) for k in kwargs):
                raise wire.WireError(_("bad arguments"))
            self.in_callback += 1
            try:
                result = _within(deadline - time.monotonic(), function, args, kwargs)
            finally:
                self.in_callback -= 1
            return wire.dumps({"ok": self.encode(result)})
        except Exception as exc:
            return wire.dumps({"error": f"{type(exc).__name__}: {str(exc)[:500]}"})


#: Why a request failed when the test cell's own time ran out.
OUT_OF_TEST_TIME = N_("no answer within the time limit of the test")


def _did_not_finish(seconds: float) -> str:
    return _("did not finish within {seconds} s").format(seconds=f"{float(seconds):g}")


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
        raise expired(_("the test's time was up before this function was called"))
    if threading.current_thread() is not threading.main_thread():
        return function(*args, **kwargs)

    def expire(signum, frame):
        raise expired(_("a function of the test ran out of the test's time ({seconds} s were left)").format(
            seconds=f"{seconds:.3g}"))

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
            raise KernelUnavailable(_(OUT_OF_TEST_TIME))
        return _time_limit_reply(seconds, reply)


