"""The sealed tests' channel to a kernel (`Bridge` over a socket pair, `adcourse.remote.serve`
at the other end): requests, callbacks and the end of a cell, and what the grader does
with a kernel end that lies, floods, goes quiet or dies.

The kernel end runs in a thread of this process, on the other end of the socket pair:
the real `serve` loop for the protocol, hand-written lines for the attacks. Its Jupyter
channels are ZeroMQ pairs: the shell pair carries the execute_reply that says `serve`
ended, IOPub stays quiet. The same transport grades every notebook through real
kernels in the pipeline and hostile tests.
"""
from __future__ import annotations

import json
import os
import queue
import socket
import threading
import tracemalloc

import pytest
import zmq

from adcourse import remote
from autograder.sealed import MAX_KERNEL_MESSAGE, SERVE, Bridge, KernelUnavailable, RemoteError


class _Channel:
    """One of jupyter_client's channels, as the bridge uses it: a socket to poll, get_msg."""

    def __init__(self, context: zmq.Context, name: str):
        self.socket = context.socket(zmq.PAIR)
        self.socket.bind(f"inproc://{name}")
        self.peer = context.socket(zmq.PAIR)
        self.peer.connect(f"inproc://{name}")

    def get_msg(self, timeout: float = 0):
        if not self.socket.poll(timeout * 1000):
            raise queue.Empty
        return json.loads(self.socket.recv())


class FakeClient:
    """What the bridge asks of a kernel client: `execute` (the cell's `serve`) and channels."""

    def __init__(self):
        self.context = zmq.Context.instance()
        tag = os.urandom(4).hex()
        self.shell_channel = _Channel(self.context, f"shell-{tag}")
        self.iopub_channel = _Channel(self.context, f"iopub-{tag}")
        self.executed: list[str] = []

    def execute(self, code, **kwargs):
        self.executed.append(code)
        return f"serve-{len(self.executed)}"

    def served(self) -> None:
        """The kernel end's execute_reply: `serve` has returned."""
        self.shell_channel.peer.send(json.dumps({
            "msg_type": "execute_reply", "content": {"status": "ok"},
            "parent_header": {"msg_id": f"serve-{len(self.executed)}"}}).encode())


def kernel_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def pair():
    """(bridge, the kernel end's socket, the fake client, an Event set by an interrupt)."""
    ours, theirs = socket.socketpair()
    client, interrupts = FakeClient(), threading.Event()
    bridge = Bridge(client, alive=lambda: True, interrupt=interrupts.set, channel=ours)
    yield bridge, theirs, client, interrupts
    ours.close()
    theirs.close()


def serve_in_thread(theirs: socket.socket, client: FakeClient, namespace: dict) -> threading.Thread:
    def run():
        os.environ[remote.GRADER_FD_ENV] = str(theirs.fileno())
        try:
            with remote.serving(namespace, None):  # serve replaces the asking with its own
                remote.serve()
        finally:
            del os.environ[remote.GRADER_FD_ENV]
        client.served()
    return kernel_thread(run)


def test_requests_and_callbacks_go_over_the_channel_and_the_cell_ends_it(pair):
    bridge, theirs, client, _ = pair
    namespace = {"double": lambda x: 2 * x, "calls_back": lambda f: f(3) + 1}
    thread = serve_in_thread(theirs, client, namespace)
    bridge.begin(10)
    found = bridge.lookup({"double", "calls_back", "absent"})
    assert sorted(found) == ["calls_back", "double"]
    assert found["double"](21) == 42
    assert found["calls_back"](lambda v: v * 10) == 31  # the grader's function, called back
    bridge.end()
    thread.join(5)
    assert not thread.is_alive(), "serve did not end with the cell"
    assert client.executed == [SERVE], "one execute_request for the cell, whatever its requests"
    assert bridge.serving is None


def scripted_kernel(theirs: socket.socket, lines) -> threading.Thread:
    """A kernel end that reads the request, then writes `lines(number)` as they are."""
    def run():
        request = b""
        while b"\n" not in request:
            chunk = theirs.recv(1 << 16)
            if not chunk:
                return
            request += chunk
        number = request.split(b" ", 1)[0][1:].decode()
        try:
            for line in lines(number):
                if line is None:
                    theirs.shutdown(socket.SHUT_RDWR)
                    return
                theirs.sendall(line)
        except OSError:  # the grader has dropped this kernel end
            pass
    return kernel_thread(run)


def test_stale_or_forged_lines_are_not_taken_for_the_reply(pair):
    bridge, theirs, _, _ = pair
    bridge.begin(10)
    scripted_kernel(theirs, lambda n: [
        b'R0 {"ok": 666}\n',                 # a reply to a request given up on
        f"X{n} junk\n".encode(),             # no kind the grader knows
        f'C{int(n) + 5} {{"cb": 1}}\n'.encode(),  # a callback of another request: not served
        f'R{n} {{"ok": 7}}\n'.encode()])
    assert bridge.request({"op": "lookup", "names": ["x"]}) == (7, None)


def test_a_line_over_the_bound_drops_the_kernel_with_bounded_memory(pair):
    bridge, theirs, _, _ = pair
    bridge.begin(30)
    block = b"7" * (1 << 20)
    scripted_kernel(theirs, lambda n: [f"R{n} ".encode()] + [block] * ((MAX_KERNEL_MESSAGE >> 20) + 4))
    tracemalloc.start()
    try:
        with pytest.raises(KernelUnavailable, match="MiB"):
            bridge.request({"op": "lookup", "names": ["x"]})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_KERNEL_MESSAGE
    with pytest.raises(KernelUnavailable, match="MiB"):  # and the bridge stays dropped
        bridge.request({"op": "lookup", "names": []})


def test_a_kernel_end_that_closes_fails_the_request_at_once(pair):
    bridge, theirs, _, _ = pair
    bridge.begin(60)
    scripted_kernel(theirs, lambda n: [None])
    with pytest.raises(KernelUnavailable, match="died"):
        bridge.request({"op": "lookup", "names": ["x"]})


def test_a_kernel_end_that_never_answers_is_interrupted_at_the_deadline(pair):
    bridge, theirs, _, interrupts = pair
    bridge.begin(0.5)
    scripted_kernel(theirs, lambda n: [])
    with pytest.raises(KernelUnavailable, match="time limit of the test"):
        bridge.request({"op": "lookup", "names": ["x"]})
    assert interrupts.is_set()


def test_a_call_past_its_own_limit_fails_with_the_time_limit(pair):
    bridge, theirs, _, interrupts = pair
    bridge.begin(30)

    def lines(n):  # answers once interrupted, as `handle` answers the KeyboardInterrupt
        assert interrupts.wait(20)
        return [f'R{n} {{"error": {{"ename": "KeyboardInterrupt", "evalue": "", '
                f'"line": "while True:"}}}}\n'.encode()]
    scripted_kernel(theirs, lines)
    with pytest.raises(RemoteError) as raised:
        bridge.request({"op": "call", "target": {"$h": 1}}, seconds=0.2)
    assert raised.value.ename == "TimeLimitExceeded" and "did not finish within 0.2 s" in str(raised.value)
    assert "while True:" in raised.value.line


def test_a_kernel_flooding_its_shell_channel_cannot_hold_the_end_of_a_cell(pair):
    """A kernel end that answers, then floods the shell channel with messages that are not
    `serve`'s reply: ending the cell stops reading (the flood never stops by itself, so
    that `end` returns at all shows it is bounded) and the channel is dropped."""
    bridge, theirs, client, _ = pair
    bridge.begin(10)
    stop, sent = threading.Event(), []

    def lines(n):
        return [f'R{n} {{"ok": 1}}\n'.encode()]
    scripted_kernel(theirs, lines)
    assert bridge.request({"op": "lookup", "names": ["x"]}) == (1, None)

    def flood():
        noise = json.dumps({"msg_type": "execute_reply", "content": {},
                            "parent_header": {"msg_id": "not-serve"}}).encode()
        while not stop.is_set():
            try:
                client.shell_channel.peer.send(noise, zmq.NOBLOCK)
                sent.append(1)
            except zmq.Again:
                stop.wait(0.001)
    flooding = kernel_thread(flood)
    try:
        bridge.end()
        assert flooding.is_alive() and not stop.is_set()  # still flooding when end returned
    finally:
        stop.set()
        flooding.join(5)
    assert "did not end" in bridge.dropped
    with pytest.raises(KernelUnavailable, match="did not end"):
        bridge.request({"op": "lookup", "names": []})


SEND_UNDER_INTERRUPT = """
import os, signal, socket, sys, threading
from adcourse import remote

ours, theirs = socket.socketpair()
channel = remote._Channel(theirs.fileno())
text = "7" * (4 << 20)  # more than the socket holds: the write waits for the reader
got = bytearray()

def read():
    got.extend(ours.recv(1 << 16))  # the line has begun to go out
    os.kill(os.getpid(), signal.SIGINT)  # the grader's interrupt, then
    ours.settimeout(10)  # a line cut in two never ends: stop reading, and say so below
    while not got.endswith(b"\\n"):
        try:
            got.extend(ours.recv(1 << 16))
        except socket.timeout:
            break

reader = threading.Thread(target=read)  # a second thread, as a kernel has several
reader.start()
try:
    channel.send(sys.argv[1], "3", text)
    raised = False
except KeyboardInterrupt:
    raised = True
reader.join()
print(raised, bytes(got) == f"{sys.argv[1]}3 {text}\\n".encode())
"""


@pytest.mark.parametrize("kind, raised", [("R", False), ("C", True)])
def test_the_graders_interrupt_never_cuts_a_line_in_two(kind, raised):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SEND_UNDER_INTERRUPT, kind], capture_output=True,
                          text=True, timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                              os.path.abspath(__file__)))))
    assert done.returncode == 0, done.stderr
    # A reply's interrupt came for the call just answered (dropped); a callback's is the
    # call's own, raised once the whole line is out.
    assert done.stdout.split() == [str(raised), "True"]
