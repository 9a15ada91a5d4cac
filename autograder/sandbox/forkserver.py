"""Warm kernels: a fork server that starts each sandboxed kernel in milliseconds.

Starting an IPython kernel costs an interpreter and a second of imports (IPython,
ipykernel, NumPy, Matplotlib, ipywidgets) before the student's first cell runs; in
a batch that is most of the time a small notebook takes. So each grading process
keeps one *fork server*: a process that imports those modules once, then never
runs anything else. For every notebook it forks a child, which enters the sandbox
(`autograder.sandbox.confine.enter`: workdir, rlimits, user, capabilities, Landlock, and a
new PID and mount namespace where allowed) and becomes the kernel.

No state can pass from one student to the next: every kernel is a fresh copy of
the server, which has run no student's code and receives nothing from a kernel
(the children close every descriptor but stdin, stdout and stderr, and the
kernel's own channel to its grader, so a kernel cannot reach the server's command
socket). NumPy's global random state is reseeded
in each child, as a fresh interpreter would have it.

The grading side (`ForkServer.spawn`) gets the kernel's pid and follows it with a
pidfd (`ForkedKernel`, shaped like the `Popen` that jupyter_client expects).

    python -m autograder.sandbox.forkserver FD MODULE...     (started by ForkServer, not by hand)
"""
from __future__ import annotations

import atexit
import ctypes
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import asdict
from typing import Any

from adcourse.remote import GRADER_FD_ENV

from .confine import _PR_SET_PDEATHSIG, Policy, _libc, enter, kernel_environment

#: What every kernel imports anyway, or a notebook of this course imports first (JAX's
#: import starts no thread: its backend is made at the first computation, in the kernel).
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "IPython.core.interactiveshell", "IPython.core.completer", "IPython.core.history",
           "IPython.extensions", "jedi", "debugpy", "pdb", "sqlite3", "tornado.ioloop",
           "numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "ipywidgets", "adcourse.functions", "adcourse.i18n", "adcourse.checking", "adcourse.remote", "adcourse.unavailable",
           "adcourse.numerical", "jax", "jax.numpy")

#: Set in the server's environment: single-threaded BLAS (workers already use every
#: core, and a server with threads could not fork safely) and the inline backend.
SERVER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "MPLBACKEND": "module://matplotlib_inline.backend_inline",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

_CLONE_NEWNS, _CLONE_NEWPID, _CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18


class ForkServerError(RuntimeError):
    """The fork server could not start a kernel."""


# --- the server side --------------------------------------------------------------------
def serve(fd: int, modules: list[str]) -> None:
    """Import `modules`, then fork one sandboxed kernel per request read from `fd`."""
    _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    channel = socket.socket(fileno=fd)
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional module only makes kernels slower
            failed.append(f"{name} ({type(exc).__name__})")
    if "matplotlib" in modules:
        try:
            from . import warmup

            _reopened.update(warmup.plots())
        except Exception as exc:  # only the kernels' plots are slower without it
            failed.append(f"warmup.plots ({type(exc).__name__})")
    if threading.active_count() != 1:
        failed.append(f"{threading.active_count() - 1} threads started by imports")
    from . import seccomp

    seccomp.unavailable()  # libseccomp loaded once, for every kernel
    signal.signal(signal.SIGCHLD, _reap)
    stream = channel.makefile("rwb", buffering=0)
    stream.write(json.dumps({"ready": True, "not_loaded": failed}).encode() + b"\n")
    for line in stream:
        grader = None
        try:
            request = json.loads(line)
            del line  # a kernel forked below must not find its request on the stack
            if request.get("grader_channel"):
                # The kernel's own channel to its grader follows the request, as a descriptor.
                _, fds, _, _ = socket.recv_fds(channel, 1, 1)
                if len(fds) != 1:
                    raise ForkServerError("the request's channel to the grader did not arrive")
                grader = fds[0]
            reply = {"pid": _spawn(request, channel.fileno(), grader)}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            if grader is not None:
                os.close(grader)  # the kernel has its copy; the server keeps none
        stream.write(json.dumps(reply).encode() + b"\n")


#: Files the plot warm-up left open (fonts), which each kernel opens again for itself.
_reopened: dict[int, str] = {}


def _reap(*_: Any) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _spawn(request: dict, channel: int, grader: int | None = None) -> int:
    """Fork the kernel; return its pid once it is inside the sandbox. `grader`: the
    kernel's end of its channel to the grader (`adcourse.remote.serve`), if any."""
    policy = Policy(**request["policy"])
    read_end, write_end = os.pipe()
    first = os.fork()
    if first == 0:
        _child(policy, request, write_end, close=(channel, read_end), grader=grader)
    os.close(write_end)
    return _await_child(read_end, first, timeout=30)


def _await_child(read_end: int, first: int, timeout: float) -> int:
    lines, data = {}, b""
    with os.fdopen(read_end, "rb") as pipe:
        while "ok" not in lines and "error" not in lines:
            ready, _, _ = select.select([pipe], [], [], timeout)
            chunk = os.read(pipe.fileno(), 4096) if ready else b""
            if not chunk:
                break
            data += chunk
            for line in data.decode(errors="replace").splitlines():
                key, _, value = line.partition(" ")
                lines[key] = value
    if "error" in lines:
        raise ForkServerError(lines["error"])
    if "ok" not in lines:
        os.kill(first, signal.SIGKILL)
        raise ForkServerError("the kernel did not enter its sandbox in time")
    return int(lines.get("pid", first))


def _child(policy: Policy, request: dict, report: int, close: tuple, grader: int | None = None) -> None:
    """In the first child: namespaces, then (in the kernel process) the sandbox and the kernel."""
    try:
        for fd in close:
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if request.get("pidns"):
            # Its own PID, mount and network namespaces: no other process, no mount of the
            # grader's, and no network at all (no interface is up, abstract Unix socket
            # names are its own); its channels are Unix sockets named by a path, which
            # reach across network namespaces.
            if _libc().unshare(_CLONE_NEWPID | _CLONE_NEWNS | _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare")
            kernel = os.fork()
            if kernel:  # stays outside, as the namespace's holder: it ends when the kernel does
                os.write(report, f"pid {kernel}\n".encode())
                os.close(report)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                os.closerange(3, _max_fd())
                _, status = os.waitpid(kernel, 0)
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
            _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            libc = _libc()
            if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0 or \
               libc.mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None) != 0:
                raise OSError(ctypes.get_errno(), "mount /proc")
            policy.private_mounts = True
        else:
            os.write(report, f"pid {os.getpid()}\n".encode())
        _close_all_but({report} if grader is None else {report, grader})
        if _reopened:
            from . import warmup

            warmup.reopen(_reopened)
        # No terminal of the grader's: the kernel's own standard streams go nowhere.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        connection_file, environ = request["connection_file"], request["env"]
        request.clear()
        connection, env = enter(policy, connection_file, environ)
        del connection_file, environ
        if grader is not None:
            os.set_inheritable(grader, False)  # no process the kernel starts gets it
            env[GRADER_FD_ENV] = str(grader)
        _become_kernel(connection, env, policy.workdir, report, policy.banned)
    except BaseException as exc:  # noqa: BLE001 (a child must never return into the server)
        try:
            os.write(report, f"error {type(exc).__name__}: {exc}\n".encode())
        except OSError:
            pass
        os._exit(70)
    os._exit(0)


def _close_all_but(keep: set[int]) -> None:
    """Close every descriptor from 3 up, except `keep`."""
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, _max_fd())


def _max_fd() -> int:
    return os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 1 << 16


def _become_kernel(connection: str, env: dict, workdir: str, report: int, banned: list[str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    for name in [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")]:
        del sys.modules[name]
    sys.path[0] = workdir
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    import tempfile
    tempfile.tempdir = None
    if banned:  # unreadable already (Policy.read); `import` gives stand-ins that say so
        from adcourse.unavailable import refuse

        refuse(banned)
    os.write(report, b"ok\n")
    os.close(report)
    from ipykernel.kernelapp import IPKernelApp
    sys.argv = [sys.executable, "-f", connection]
    # The inline backend was imported here before any shell existed, so it could not hook
    # itself into one: ask the kernel to enable it, as importing it in a kernel would have.
    # No history database: a graded kernel's input history is never read again, and its
    # thread would write to SQLite after every cell (the history in memory is kept).
    IPKernelApp.launch_instance(argv=["-f", connection, "--matplotlib=inline",
                                      "--HistoryManager.enabled=False"])


# --- the grading side ---------------------------------------------------------------------
class ForkedKernel:
    """A forked kernel as jupyter_client's LocalProvisioner handles a Popen."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._fd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._fd], [], [], 0)[0]:
            self._finish()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            self._finish()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            signal.pidfd_send_signal(self._fd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def _finish(self) -> None:
        # Its parent reaps it; only that it ended is known here.
        self.returncode = 0
        os.close(self._fd)


class ForkServer:
    """One warm server per grading process; `spawn` forks a sandboxed kernel from it."""

    def __init__(self, modules: tuple[str, ...] = PRELOAD):
        self.modules = tuple(modules)
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._stream = None
        self.not_loaded: list[str] = []

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        # The server holds what its kernels may see (ENV_KEPT), never the grader's secrets:
        # /proc/<pid>/environ and the memory a kernel is forked with have none.
        env = {**kernel_environment(dict(os.environ)), **SERVER_ENV}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.forkserver", str(theirs.fileno()), *self.modules],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._stream = ours.makefile("rwb", buffering=0)
        self._socket = ours
        hello = self._read(timeout=120)
        self.not_loaded = hello.get("not_loaded", [])
        atexit.register(self.close)

    def _read(self, timeout: float) -> dict:
        if not select.select([self._socket], [], [], timeout)[0]:
            raise ForkServerError("the fork server did not answer in time")
        line = self._stream.readline()
        if not line:
            raise ForkServerError("the fork server ended")
        return json.loads(line)

    def start_if_needed(self) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()

    def spawn(self, policy: Policy, connection_file: str, env: dict[str, str], pidns: bool,
              grader: int | None = None) -> ForkedKernel:
        """Fork a kernel. `grader`: a descriptor the kernel gets as its channel to the
        grader (its number in the kernel's environment, GRADER_FD_ENV)."""
        request = json.dumps({"policy": asdict(policy), "connection_file": connection_file,
                              "env": kernel_environment(dict(env)), "pidns": pidns,
                              "grader_channel": grader is not None}).encode() + b"\n"
        for attempt in (1, 2):  # a server that died (killed, out of memory) is started again
            self.start_if_needed()
            with self._lock:
                try:
                    self._stream.write(request)
                    if grader is not None:
                        socket.send_fds(self._socket, [b"c"], [grader])
                    reply = self._read(timeout=60)
                    break
                except (OSError, ForkServerError):
                    if attempt == 2:
                        raise
                    self.close()
        if "error" in reply:
            raise ForkServerError(f"could not start a sandboxed kernel: {reply['error']}")
        return ForkedKernel(int(reply["pid"]))

    def close(self) -> None:
        """End the server (its kernels, if any are left, end with it)."""
        if self._process is not None:
            self._stream.close()
            self._socket.close()
            self._process.kill()  # it holds nothing to save: no need to wait for it to exit
            self._process.wait()
        self._process = None


_servers: dict[tuple[str, ...], ForkServer] = {}


def fork_server(modules: tuple[str, ...] = PRELOAD) -> ForkServer:
    """This process's fork server for `modules` (started on first use)."""
    key = tuple(modules)
    if key not in _servers:
        _servers[key] = ForkServer(key)
    return _servers[key]


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2:])
