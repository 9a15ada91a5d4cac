"""Landlock (linux/landlock.h): the file system and TCP rules a kernel is held to.

`apply_landlock` restricts the calling process, and every process it starts, for good:
what it may read, where it may write, which folders it may only list; no TCP
connection, a bind only to an ephemeral port; and, from ABI 6, no signal to a process
outside the sandbox and no abstract Unix socket of another. Used by
`autograder.sandbox.confine.enter`, which also says what is read and written.
"""
from __future__ import annotations

import ctypes
import os
import stat

# --- Landlock (linux/landlock.h) ----------------------------------------------------
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_WRITE_ALL = sum(1 << i for i in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make*
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock ABI version of this kernel, 0 where there is none."""
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, 0, 1)
    except Exception:
        return 0
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    rights = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_READ_DIR | _FS_WRITE_ALL
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def apply_landlock(read: list[str], write: list[str], listable: tuple[str, ...] = ()) -> int:
    """Restrict this process (and its children) for good; return the ABI used.

    `read` paths may be read, `write` ones changed in every way (the kernel's scratch
    folder, where it also binds its channels' Unix sockets), and of `listable` folders
    only the names of their entries may be read."""
    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available")
    libc = _libc()
    handled = _fs_rights(abi)
    net = (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL) if abi >= 6 else 0
    attr = (ctypes.c_uint64 * 3)(handled, net, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    class NetPort(ctypes.Structure):
        _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]

    read_rights = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    file_only = _FS_EXECUTE | _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE * (abi >= 3)
    for paths, rights in ((read, read_rights), (write, handled), (listable, _FS_READ_DIR)):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            allowed = rights if stat.S_ISDIR(os.fstat(fd).st_mode) else rights & file_only
            rule = PathBeneath(allowed & handled, fd)
            result = libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            os.close(fd)
            if result < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    if net:  # no TCP connection, and a bind only to an ephemeral port (ipykernel's own pipes)
        rule = NetPort(_NET_BIND_TCP, 0)
        if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_NET_PORT, ctypes.byref(rule), 0) < 0:
            raise OSError(ctypes.get_errno(), "landlock_add_rule port 0")
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0) < 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(ruleset)
    return abi
