"""A graded kernel reaches no socket but its own channels.

Two sandboxed kernels run at the same time, as in parallel grading: each tries to
connect to the other's channels (to read that student's code and outputs from its
IOPub), to a PostgreSQL gradebook's Unix socket, and to whatever other Unix sockets
the machine has; the test process, outside the sandbox, connects to the same paths,
so each refusal is the sandbox's and not a missing file. Then a PostgreSQL gradebook
is graded into with a submission that tries to rewrite the class's grades.
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

from autograder.execute import SandboxKernelManager
from autograder.sandbox import probe

from .conftest import _cell_maxima, autograder, copy_course, keep_samples


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


GRADEBOOK_ATTACK = '''# base: solution
# loses: forward_difference
# %% forward_difference
import glob, socket
def forward_difference(f, x, h=1e-6):
    return 0.0 * x
tried = {}
for path in glob.glob("/tmp/autograder-pg-*/.s.PGSQL.*") + PATHS:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        tried[path] = "connected"
        try:
            import psycopg
            port = path.rsplit(".", 1)[1]
            with psycopg.connect(host=path.rsplit("/", 1)[0], port=port, user="grader",
                                 dbname=DBNAME, autocommit=True) as db:
                db.execute("UPDATE grade SET manual_score = 0")
                tried[path] += " and rewrote the grades"
        except Exception as exc:
            tried[path] += f" (psycopg: {type(exc).__name__})"
    except OSError as exc:
        tried[path] = type(exc).__name__
    finally:
        s.close()
print("TRIED", tried)
'''


@pytest.mark.pipeline
def test_a_submission_cannot_reach_a_postgresql_gradebook_on_its_unix_socket(tmp_path, postgres):
    root = copy_course(tmp_path)
    url = postgres.database()
    sockets = sorted(glob.glob(f"{postgres.base}/.s.PGSQL.*"))
    assert sockets, "the server has a Unix socket"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    chapter, honest = "01_numerical", {"ada_complete", "cleo_one_sided"}
    keep_samples(root, chapter, honest)
    attack = GRADEBOOK_ATTACK.replace("PATHS", repr(sockets)).replace("DBNAME", repr(url.rsplit("/", 1)[1]))
    (root / "samples" / chapter / "h_gradebook.py").write_text(attack)
    autograder(root, "build", chapter)
    autograder(root, "sample", chapter)
    autograder(root, "grade", chapter, "--no-progress")
    from autograder.scores import read_scores

    names, maximum, rows = read_scores(root, chapter)
    rows = {r.student: r for r in rows}
    assert set(rows) == honest | {"h_gradebook"}
    assert rows["h_gradebook"].scores["forward_difference"] < maximum["forward_difference"]
    # The honest students keep the grades grading gave them, as declared by their samples.
    from autograder.samples import samples
    from autograder.scores import exercise_of

    declared = {sample.student: sample.loses for sample in samples(root, chapter)}
    for student in honest:
        for cell, score in rows[student].cells.items():
            owner = exercise_of(cell, names)
            if owner not in declared[student] and not owner.startswith("written"):
                assert score == maximum_of(root, chapter, cell), (student, cell, score)
    import nbformat
    graded = nbformat.read(root / "autograded" / "h_gradebook" / chapter / "numerical.ipynb", 4)
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    tried = printed[printed.index("TRIED"):].splitlines()[0]
    assert all(path in tried for path in sockets), tried
    assert "connected" not in tried and "PermissionError" in tried, tried
    assert os.path.exists(sockets[0])


def maximum_of(root: Path, chapter: str, cell: str) -> float:
    return _cell_maxima(root, chapter)[cell]
