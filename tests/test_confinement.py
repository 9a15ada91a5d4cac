"""A graded kernel reaches no socket but its own channels.

Two sandboxed kernels run at the same time, as in parallel grading: each tries to
connect to the other's channels (to read that student's code and outputs from its
IOPub), to a PostgreSQL gradebook's Unix socket, and to whatever other Unix sockets
the machine has; the test process, outside the sandbox, connects to the same paths,
so each refusal is the sandbox's and not a missing file. (A submission that tries to
rewrite a PostgreSQL gradebook's grades through its socket is graded in
tests/test_batch.py, in the class graded into such a gradebook.)
"""
from __future__ import annotations

import asyncio
import glob
import json
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.sandbox.kernel import SandboxKernelManager
from autograder.sandbox.confine import probe



@pytest.fixture(autouse=True)
def _needs_seccomp():
    if probe()["seccomp"] != "on":
        if os.environ.get("CI"):
            pytest.fail(f"seccomp is {probe()['seccomp']}: the course installs pyseccomp, Debian libseccomp2")
        pytest.skip("needs libseccomp (the pyseccomp package and Debian's libseccomp2)")


ATTEMPT = '''
import json, socket
outcome = {}
for path in PATHS:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        outcome[path] = "connected"
    except OSError as exc:
        outcome[path] = type(exc).__name__
    finally:
        s.close()
for kind in ((socket.AF_UNIX, socket.SOCK_DGRAM), (socket.AF_INET, socket.SOCK_DGRAM),
             (socket.AF_NETLINK, socket.SOCK_RAW, 4)):
    try:
        socket.socket(*kind).close()
        outcome[str(kind)] = "created"
    except OSError as exc:
        outcome[str(kind)] = type(exc).__name__
print("OUTCOME " + json.dumps(outcome))
'''


def channel_paths(km: SandboxKernelManager) -> list[str]:
    info = km.get_connection_info()
    return [f"{info['ip']}-{info[f'{name}_port']}" for name in ("shell", "iopub", "stdin", "control", "hb")]


def machine_sockets() -> list[str]:
    found = []
    for pattern in ("/run/*.sock", "/run/*/*.sock", "/var/run/postgresql/.s.PGSQL.*",
                    "/run/dbus/system_bus_socket", "/tmp/autograder-pg-*/.s.PGSQL.*"):
        found += [p for p in glob.glob(pattern) if Path(p).is_socket()]
    return found


def reachable(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(path)
            return True
        except OSError:
            return False


async def _two_kernels(extra: list[str]) -> tuple[dict, dict, list[str], list[str]]:
    first, second = SandboxKernelManager(), SandboxKernelManager()
    await first.start_kernel()
    await second.start_kernel()
    clients = {}
    try:
        for km in (first, second):
            clients[km] = km.client()
            clients[km].start_channels()
            await clients[km].wait_for_ready(timeout=60)
        a, b = channel_paths(first), channel_paths(second)
        # Outside the sandbox, each path answers while the kernels run.
        unreachable = [p for p in a + b + extra if not reachable(p)]
        assert unreachable == [], f"not reachable even from outside the sandbox: {unreachable}"
        outcomes = []
        for km, targets in ((second, a + extra), (first, b + extra)):
            client = clients[km]
            code = f"PATHS = {targets!r}\n{ATTEMPT}"
            printed = []
            await client.execute_interactive(code, timeout=60, output_hook=lambda m: printed.append(
                m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
            line = next(line for line in "".join(printed).splitlines() if line.startswith("OUTCOME "))
            outcomes.append(json.loads(line.removeprefix("OUTCOME ")))
        return outcomes[0], outcomes[1], a, b
    finally:
        for client in clients.values():
            client.stop_channels()
        await first.shutdown_kernel(now=True)
        await second.shutdown_kernel(now=True)


def test_two_kernels_at_once_reach_neither_each_other_nor_the_machine(postgres):
    extra = machine_sockets()
    assert any(".s.PGSQL." in p for p in extra), f"the gradebook's socket was not found: {extra}"
    # In a thread of its own: another test of this process may have left an event loop running here.
    with ThreadPoolExecutor(1) as thread:
        seen_by_second, seen_by_first, a, b = thread.submit(asyncio.run, _two_kernels(extra)).result()
    for outcome, own_other in ((seen_by_second, a), (seen_by_first, b)):
        connected = [p for p, result in outcome.items() if result in ("connected", "created")]
        assert connected == [], connected
        for path in own_other + extra:
            assert outcome[path] == "PermissionError", (path, outcome[path])

