"""The system calls a graded kernel may not make: a seccomp filter, through libseccomp.

Landlock (autograder/sandbox/confine.py) confines files, TCP and signals, but not Unix sockets
named by a path: a kernel could connect to a PostgreSQL gradebook's socket, to another
kernel's IOPub socket during parallel grading, to a Jupyter server or the system bus.
A kernel needs no connection it did not accept itself (it *binds* its own channels; the
grader connects to them), so the filter refuses, with EACCES:

- `connect`, for every kind of socket;
- sockets other than stream sockets of the Unix and Internet families (no datagrams,
  which reach a listener without a connection; no raw or packet sockets), and netlink
  sockets other than NETLINK_ROUTE (which the C library's getifaddrs uses, and ZeroMQ
  through it, to bind ipykernel's loopback pipe; sock_diag, which lists every socket
  of the machine, is refused);
- io_uring (which can connect without the `connect` system call), TCP Fast Open (a
  connection made by `sendto` or `sendmsg` with MSG_FASTOPEN), and the calls that would
  make new namespaces (`unshare`, `clone` with a CLONE_NEW* flag, `clone3`), mounts,
  keys, BPF programs, performance counters or memory outside the kernel's limits
  (`memfd_create`).

System calls of another architecture's ABI (32-bit calls from a 64-bit process) kill
the process, as libseccomp does by default. The filter is built by libseccomp
(`pyseccomp`, its ctypes binding), which knows each architecture's system call numbers.
"""
from __future__ import annotations

import errno
import socket

#: Socket families a kernel may create stream sockets of (its own channels, ipykernel's
#: loopback pipe), and netlink, for routing queries only.
FAMILIES = (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6)
NETLINK_ROUTE = 0
#: Socket types refused in those families (the low 4 bits of socket()'s type).
REFUSED_TYPES = (socket.SOCK_DGRAM, socket.SOCK_RAW, socket.SOCK_RDM, socket.SOCK_SEQPACKET, 10)
#: Refused outright. memfd_create: its memory counts against no limit of the kernel's.
REFUSED_CALLS = ("connect", "io_uring_setup", "io_uring_enter", "io_uring_register", "unshare",
                 "setns", "mount", "umount2", "pivot_root", "keyctl", "add_key", "request_key",
                 "bpf", "perf_event_open", "userfaultfd", "process_vm_readv", "process_vm_writev",
                 "kcmp", "ptrace", "memfd_create", "memfd_secret", "open_by_handle_at",
                 "fsopen", "fsmount", "open_tree", "move_mount")
#: sendto/sendmsg with MSG_FASTOPEN open a TCP connection without `connect` (TCP Fast Open).
MSG_FASTOPEN = 0x20000000
#: clone() flags that make namespaces (in a user namespace a process has every capability).
CLONE_NEW = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
             0x00000080)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
_LAST_FAMILY = 64  # AF_MAX is 46 on Linux 6; refuse every number up to this one
#: Which argument of clone() holds its flags: the first, except on s390 (the second).
_CLONE_FLAGS_ARG = 1 if __import__("platform").machine().startswith("s390") else 0


def unavailable() -> str | None:
    """Why the filter cannot be applied on this machine, or None if it can."""
    try:
        import pyseccomp  # noqa: F401  (loads libseccomp)
    except ImportError:
        return "the pyseccomp package is not installed"
    except (OSError, RuntimeError) as exc:
        return f"libseccomp cannot be loaded ({exc})"
    return None


def apply() -> None:
    """Install the filter in this process, for good (its children inherit it)."""
    import pyseccomp as sc

    refuse = sc.ERRNO(errno.EACCES)
    rules = sc.SyscallFilter(sc.ALLOW)
    for name in REFUSED_CALLS:
        try:
            rules.add_rule(refuse, name)
        except (OSError, RuntimeError, ValueError):
            pass  # not a system call of this architecture
    for family in range(_LAST_FAMILY + 1):
        if family == socket.AF_NETLINK:
            rules.add_rule(refuse, "socket", sc.Arg(0, sc.EQ, family), sc.Arg(2, sc.NE, NETLINK_ROUTE))
        elif family not in FAMILIES:
            rules.add_rule(refuse, "socket", sc.Arg(0, sc.EQ, family))
        if family != socket.AF_UNIX:
            rules.add_rule(refuse, "socketpair", sc.Arg(0, sc.EQ, family))
    for family in FAMILIES:
        for kind in REFUSED_TYPES:
            rules.add_rule(refuse, "socket", sc.Arg(0, sc.EQ, family), sc.Arg(1, sc.MASKED_EQ, 0xF, kind))
    for call, flags in (("sendto", 3), ("sendmsg", 2), ("sendmmsg", 3)):
        rules.add_rule(refuse, call, sc.Arg(flags, sc.MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN))
    for bit in CLONE_NEW:
        rules.add_rule(refuse, "clone", sc.Arg(_CLONE_FLAGS_ARG, sc.MASKED_EQ, bit, bit))
    # clone3's flags are in memory the filter cannot read: refused as if the system had no
    # clone3, so that the C library falls back on clone.
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rules.load()
