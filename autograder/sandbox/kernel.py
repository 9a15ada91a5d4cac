"""The kernel manager of graded notebooks: every kernel starts inside the sandbox.

`SandboxKernelManager` is what `SealedExecute` (autograder.execute) starts each graded
kernel with: it applies the policy of `autograder.sandbox.confine` to the kernel,
forked from the warm server of `autograder.sandbox.forkserver` (or, with
`fork_server` off, launched as a new interpreter through the `confine` launcher),
talks to it over Unix sockets in its workdir, and holds nbclient to a message size.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Integer, List, Type, Unicode

from .confine import Policy, grants, kernel_environment, memory_bytes, probe, sweep_orphaned
from .forkserver import PRELOAD, fork_server


class SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels start inside the sandbox.

    Kernels talk to the grader over Unix sockets in their workdir (no TCP port to
    collide with another grading process, and none the kernel may open), and are
    forked from a warm server (`autograder.sandbox.forkserver`) unless `fork_server` is off,
    when each starts a new interpreter through the `autograder.sandbox.confine` launcher.
    """

    cpu_seconds = Integer(600, help="CPU seconds a graded notebook may use in all").tag(config=True)
    disk_limit = Unicode("256M", help="bytes the files a graded kernel writes may take in all (K, M, G "
                                      "suffixes; a tmpfs, where grading runs as root)").tag(config=True)
    memory_limit = Unicode("4G", help="address space of a graded kernel (K, M, G suffixes)").tag(config=True)
    sandbox_uid = Integer(65534, help="user the kernel runs as when grading runs as root").tag(config=True)
    fork_server = Bool(True, help="Fork kernels from a warm server that has imported IPython, "
                                  "NumPy, Matplotlib and ipywidgets once; False starts a new "
                                  "interpreter for every notebook").tag(config=True)
    preload = List(Unicode(), list(PRELOAD),
                   help="modules the fork server imports once for all kernels").tag(config=True)

    #: Libraries the kernel cannot load (set by SealedExecute from the hidden tests' `BANNED`).
    banned = List(Unicode(), [])

    client_class = Unicode("autograder.sandbox.kernel.SandboxKernelClient")
    client_factory = Type(klass="autograder.sandbox.kernel.SandboxKernelClient")

    def protections(self) -> dict[str, str]:
        return probe(self.sandbox_uid)

    async def _async_wait(self, pollinterval: float = 0.005) -> None:
        # A killed kernel ends within milliseconds: look often (jupyter_client: every 0.1 s).
        await super()._async_wait(pollinterval)

    async def _async_pre_start_kernel(self, **kw):
        sweep_orphaned(_WORKDIR_PREFIX)
        self.sandbox_workdir = tempfile.mkdtemp(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-")
        os.chmod(self.sandbox_workdir, 0o711)
        self.transport = "ipc"
        # The kernel binds its channels in its scratch folder (see autograder.sandbox.confine.enter).
        self.ip = os.path.join(self.sandbox_workdir, "scratch", "kernel")
        if self.fork_server and self.provisioner is None:
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id or str(uuid.uuid4()),
                                                 kernel_spec=self.kernel_spec, parent=self)
            self.kernel_id = self.provisioner.kernel_id
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        # The kernel gets none of the grader's environment but a short list (no secret
        # reaches it or the processes that start it), and no terminal: whatever it writes
        # to its own standard streams is dropped (its output reaches the notebook only).
        kw["env"] = kernel_environment(kw.get("env") or dict(os.environ))
        kw["stdin"] = kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.protections()["pidns"] == "on":
            # Its scratch folder is a tmpfs in its own mount namespace, where its channels'
            # sockets are: reach them through its root as the kernel sees it.
            self.ip = f"/proc/{self.provisioner.pid}/root{self.ip}"

    def sandbox_policy(self) -> Policy:
        found = self.protections()
        read, listable = grants(tuple(self.banned))
        return Policy(workdir=self.sandbox_workdir, cpu_seconds=self.cpu_seconds,
                      memory_bytes=memory_bytes(self.memory_limit), disk_bytes=memory_bytes(self.disk_limit),
                      uid=self.sandbox_uid if found["uid"].startswith("on") else None,
                      read=read, listable=listable, banned=list(self.banned),
                      landlock=found["landlock"].startswith("on"), seccomp=found["seccomp"] == "on")

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if self.fork_server:
            return command
        if self.banned:  # the forked kernel gets its stand-ins in autograder.sandbox.forkserver
            command.append(f"--IPKernelApp.exec_lines=__import__('adcourse.unavailable', fromlist=['refuse'])"
                           f".refuse({list(self.banned)!r})")
        policy = self.sandbox_policy()
        policy.private_mounts = self.protections()["pidns"] == "on"  # unshare --mount below
        launcher = [sys.executable, "-m", "autograder.sandbox.confine", json.dumps(asdict(policy)), "--"]
        prefix = [sys.executable, "-m", "autograder.sandbox.confine", "--die-with-parent", "--"]
        if self.protections()["pidns"] == "on":
            prefix += ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--net"]
        return prefix + launcher + command

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        workdir = getattr(self, "sandbox_workdir", None)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


#: Largest message nbclient accepts from a kernel (its outputs; rich outputs over 2 MB are dropped anyway).
MAX_MESSAGE_BYTES = 32 * 2**20


class SandboxKernelClient(AsyncKernelClient):
    """jupyter_client's client, ready as soon as the kernel has answered on both channels.

    The stock `wait_for_ready` waits up to 0.2 s for an IOPub message after each
    kernel_info reply (about a fifth of a second of every kernel's start, when the
    channels connect before the kernel has bound its sockets). Here IOPub counts as
    connected as soon as anything arrives on it (ipykernel 7 sends `iopub_welcome` on
    subscription, earlier kernels the status of a kernel_info request), and the
    request is repeated every IOPUB_POLL seconds until then. The sockets retry a
    connection every RECONNECT_MS, not ZeroMQ's default 100 ms.
    """

    IOPUB_POLL = 0.01
    RECONNECT_MS = 5

    def start_channels(self, *args, **kwargs) -> None:
        # A message larger than this is refused by ZeroMQ itself (the connection is dropped),
        # before jupyter_client deserialises anything.
        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.context.setsockopt(zmq.RECONNECT_IVL, self.RECONNECT_MS)
        super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else math.inf)
        answered = None
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=self.IOPUB_POLL if answered else 1)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                answered = msg
            if answered is not None:
                try:
                    await self.iopub_channel.get_msg(timeout=self.IOPUB_POLL)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(answered)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


class ForkedProvisioner(LocalProvisioner):
    """Launches the kernel by forking it from the grading process's fork server."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        km = self.parent
        connection_file = cmd[cmd.index("-f") + 1]
        # The sealed tests' channel to the kernel: a socket pair, whose kernel end only the
        # forked kernel holds (`adcourse.remote.serve`).
        self.grader_channel, theirs = socket.socketpair()
        try:
            self.process = fork_server(tuple(km.preload)).spawn(
                km.sandbox_policy(), connection_file, kwargs.get("env") or dict(os.environ),
                pidns=km.protections()["pidns"] == "on", grader=theirs.fileno())
        except BaseException:
            self.grader_channel.close()
            raise
        finally:
            theirs.close()
        self.pid = self.process.pid
        self.pgid = os.getpgid(self.pid)
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        channel = getattr(self, "grader_channel", None)
        if channel is not None:
            channel.close()
        await super().cleanup(restart)


_WORKDIR_PREFIX = "autograder-sandbox-"
