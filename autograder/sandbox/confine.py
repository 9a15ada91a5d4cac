"""The sandbox a student's kernel runs in while its notebook is graded.

`autograder.sandbox.kernel.SandboxKernelManager` (a jupyter_client kernel manager, so
nbgrader's own Execute step can use it) starts every kernel through this module's
launcher (kept free of heavy imports: it runs once per graded notebook), which, before
it becomes the kernel, takes away what Linux lets it take away:

- workdir     a fresh temporary directory: the kernel's home, cwd and only writable place
- disk        its files in all held to a quota (a tmpfs in its own mount namespace, as root)
- rlimits     CPU seconds for the whole notebook, address space, file size, no core dumps
- landlock    the filesystem is readable only where Python, its packages and the
              course's student-side package live (of /etc, /proc and /sys only what a
              kernel reads: no shadow files, no other process, no socket table); writable
              only in the workdir; no TCP
              connection can be made, only the kernel's own ports bound; no signal or
              ptrace can reach a process outside the sandbox
- seccomp     no `connect` at all and no socket but a stream one it binds itself, so no
              Unix socket of the machine (a gradebook's, another kernel's) is reachable
              (autograder/sandbox/seccomp.py)
- caps        no capabilities and no_new_privs, even when grading runs as root
- uid         an unprivileged user, when grading runs as root and that user can read
              the Python installation
- pidns       a new PID and mount namespace (as root): when the kernel ends, every
              process it started ends with it
- netns       a new network namespace (as root): no interface is up, so no TCP or UDP
              anywhere, and abstract Unix socket names are the kernel's own

`probe()` says which of these this machine allows; the grade log lists them for
every submission, so a weaker sandbox is never silent.
"""
from __future__ import annotations

import ctypes
import functools
import json
import os
import resource
import shutil
import signal
import site
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .landlock import _libc, apply_landlock, landlock_abi

_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP, _PR_SET_PDEATHSIG, _PR_GET_PDEATHSIG = 38, 24, 1, 2
_MS_NOSUID, _MS_NODEV = 2, 4

SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
               "/dev/urandom", "/dev/random", "/dev/zero", "/dev/null",
               "/sys/devices/system/cpu", "/sys/devices/system/node")
SYSTEM_WRITE = ("/dev/null",)
#: What of /etc a kernel reads (the dynamic loader, time zone, account and group names,
#: name-service and locale settings, Jupyter's, IPython's and Matplotlib's system-wide
#: settings): never the shadow files, keys or anything else.
ETC_READ = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd",
            "group", "nsswitch.conf", "host.conf", "hosts", "gai.conf", "mime.types",
            "locale.alias", "os-release", "debian_version", "matplotlibrc", "jupyter", "ipython",
            "fonts", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}")
#: Of /proc, the machine-wide files a kernel reads; and of its own /proc/<pid>, all but
#: the links to folders (a rule on `root` would grant the whole file system, on `cwd` the
#: grader's folder), the network namespace's tables (every socket of the machine), the
#: mounts, and the threads' copies of the same.
PROC_READ = ("cpuinfo", "meminfo", "stat", "loadavg", "uptime", "version", "filesystems")
PROC_SELF_HIDDEN = ("root", "cwd", "exe", "net", "task", "mountinfo", "mounts", "mountstats")
#: The only environment variables a kernel gets (everything else of the grader's, secrets
#: included, never reaches the kernel or the fork server it is forked from).
ENV_KEPT = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE",
            "PYTHONNOUSERSITE", "PYTHONHASHSEED",
            "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONWARNINGS", "VIRTUAL_ENV", "MPLBACKEND",
            "PYDEVD_DISABLE_FILE_VALIDATION", "JUPYTER_PLATFORM_DIRS", "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE")
ENV_KEPT_PREFIXES = ("LC_", "OPENBLAS_NUM", "OMP_NUM", "MKL_NUM", "NUMEXPR_NUM")
#: Packages a student's kernel may never read (the grader, its references and cases).
HIDDEN_PACKAGES = ("autograder",)


def drop_capabilities() -> None:
    """Empty the bounding set and the effective, permitted and inheritable sets."""
    libc = _libc()
    for cap in range(64):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(ctypes.byref(header), ctypes.byref(data)) != 0:  # the C library's: any architecture
        raise OSError(ctypes.get_errno(), "capset")


def kernel_environment(environ: dict[str, str]) -> dict[str, str]:
    """The variables of `environ` a kernel may see: a short list, never the grader's secrets."""
    return {k: v for k, v in environ.items() if k in ENV_KEPT or k.startswith(ENV_KEPT_PREFIXES)}


def system_paths(pid: int) -> list[str]:
    """What a kernel of process `pid` may read of /etc and /proc (see ETC_READ, PROC_READ)."""
    paths = [os.path.join("/etc", name) for name in ETC_READ]
    paths += [os.path.join("/proc", name) for name in PROC_READ]
    own = f"/proc/{pid}"
    try:
        paths += [os.path.join(own, name) for name in os.listdir(own) if name not in PROC_SELF_HIDDEN]
    except OSError:
        pass
    return paths


# --- what the sandbox may read ----------------------------------------------------------
def readable_paths(banned: tuple[str, ...] = ()) -> list[str]:
    """What a kernel may read: Python, its packages (all but the grader's and the
    `banned` libraries), and the student-side package (see `grants`)."""
    return grants(banned)[0]


def grants(banned: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """(read, listable): the paths a kernel may read, and the folders above what it may
    not read (every copy of the grader's package and of the `banned` libraries), whose
    entries' names it may list and nothing more (Python's import system lists them).

    A grant is by inode, whatever path names it: a folder holding what must stay
    unreadable, or a link to one (a virtual environment's `lib64 -> lib`, Debian's
    `/lib -> usr/lib`), is replaced by grants of its other parts."""
    import adcourse

    paths = set(SYSTEM_READ) | {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable)}
    paths |= {root for root in {*site.getsitepackages(), site.getusersitepackages()} if os.path.isdir(root)}
    paths.add(str(Path(adcourse.__file__).resolve().parent))
    # The kernel side's messages in the course's languages (adcourse.i18n reads them on import).
    from adcourse import i18n

    paths |= {str(path.resolve()) for language in i18n.LANGUAGES[1:]
              for path in i18n.catalogue_files(language) if path.is_file()}
    try:
        import matplotlib
        paths.add(matplotlib.get_cachedir())
    except Exception:
        pass
    out = copies_of(HIDDEN_PACKAGES + tuple(banned), paths)
    if banned:
        out |= copies_anywhere(tuple(sorted(banned)), tuple(sorted(paths)))
    read, listable = _leaving_out(paths, out)
    return sorted(read), sorted(listable)


#: Where, under a readable folder, an installation of Python keeps packages.
PACKAGE_FOLDERS = ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages",
                   "local/lib/python3*/site-packages", "local/lib/python3*/dist-packages")


def _package_of(entry: str) -> str:
    """The top-level package a folder entry of site-packages belongs to: "sympy" for
    sympy/, sympy-1.14.0.dist-info and sympy.py."""
    return entry.split(".")[0].split("-")[0]


def copies_of(libraries, paths) -> set[str]:
    """Every installed copy of `libraries` (their package folders, modules and metadata)
    in a package folder of any Python found in or under `paths`, or on sys.path."""
    import glob

    folders = {*site.getsitepackages(), site.getusersitepackages(), *sys.path}
    for path in paths:
        folders.update((path, os.path.dirname(path)))
        for pattern in PACKAGE_FOLDERS:
            folders.update(glob.glob(os.path.join(path, pattern)))
    found = set()
    for folder in folders:
        try:
            entries = os.listdir(folder) if folder and os.path.isdir(folder) else []
        except OSError:
            continue
        found.update(os.path.join(folder, e) for e in entries if _package_of(e) in libraries)
    return found


@functools.lru_cache(maxsize=8)
def copies_anywhere(libraries: tuple[str, ...], paths: tuple[str, ...]) -> frozenset[str]:
    """Every entry named after one of `libraries` (a package folder, a module, its
    metadata, a wheel, egg or zip of it) at any depth under `paths`: copies that another
    package vendors, a conda package cache, a Python nested anywhere under /usr. A walk
    of every readable file (about a second for 300,000 entries), once per process."""
    found = set()
    for root in paths:
        if not os.path.isdir(root):
            continue
        for folder, folders, files in os.walk(root):
            found.update(os.path.join(folder, e) for e in folders + files if _package_of(e) in libraries)
            folders[:] = [f for f in folders if _package_of(f) not in libraries]
    return frozenset(found)


def _leaving_out(paths: set[str], out: set[str]) -> tuple[set[str], set[str]]:
    """(read, listable): `paths` with every path of `out`, and what is under it, no
    longer granted; a grant above one is replaced by grants of its other parts, and the
    folders in between become listable."""
    out = {os.path.realpath(o) for o in out}
    read, listable = set(), set()
    for path in paths:
        real = os.path.realpath(path)
        if any(real == o or real.startswith(o + os.sep) for o in out):
            continue
        if os.path.isdir(real) and any(o.startswith(real + os.sep) for o in out):
            read.update(_siblings_outside(real, out, listable))
        else:
            read.add(path)
    return read, listable


def _siblings_outside(prefix: str, keep_out: set[str], walked: set[str]) -> list[str]:
    """Every path under `prefix` that is neither inside nor above a path of `keep_out`
    (real paths: a link is taken for what it points to); the folders walked through on
    the way to `keep_out` are added to `walked`."""
    result = []
    stack, seen = [prefix], set()
    while stack:
        folder = stack.pop()
        if folder in seen:
            continue
        seen.add(folder)
        walked.add(folder)
        for entry in os.listdir(folder):
            path = os.path.join(folder, entry)
            real = os.path.realpath(path)
            if any(real == k or real.startswith(k + os.sep) for k in keep_out):
                continue
            if any(k.startswith(real + os.sep) for k in keep_out) and os.path.isdir(real):
                stack.append(real)
            else:
                result.append(path)
    return result


# --- the policy and the launcher --------------------------------------------------------
@dataclass
class Policy:
    workdir: str
    cpu_seconds: int = 600
    memory_bytes: int = 4 * 2**30
    file_bytes: int = 64 * 2**20
    processes: int = 256
    uid: int | None = None
    read: list[str] = field(default_factory=list)
    landlock: bool = True
    seccomp: bool = True
    disk_bytes: int = 256 * 2**20     # all the files a kernel writes, where it can be enforced
    private_mounts: bool = False      # the process has a mount namespace of its own
    banned: list[str] = field(default_factory=list)  # libraries left out of `read` (adcourse.unavailable)
    listable: list[str] = field(default_factory=list)  # folders whose entries may only be listed


def probe(uid: int | None = 65534) -> dict[str, str]:
    """Which protections this machine gives: name -> "on" or why it is off.

    Landlock, seccomp, dropping capabilities and the namespaces are not assumed from
    version numbers: each is tried, once per process, in a throw-away process that
    applies it and checks that it holds (`trial`).
    """
    tried = _tried()
    found = {"workdir": "on", "rlimits": "on"}
    abi = landlock_abi()
    found["landlock"] = f"on (ABI {abi})" if tried.get("landlock") == "on" else tried.get("landlock", "off")
    found["seccomp"] = tried.get("seccomp", "off: not tried")
    found["caps"] = tried.get("caps", "off: not tried")
    if os.geteuid() != 0:
        found["uid"] = "off: grading does not run as root (the kernel runs as the grader's user)"
        found["pidns"] = "off: needs root"
    else:
        found["uid"] = (f"on ({uid})" if uid is not None and _reachable(uid)
                        else f"off: user {uid} cannot read the Python installation")
        found["pidns"] = tried.get("pidns", "off: not tried")
    found["disk"] = ("on (a tmpfs in the kernel's mount namespace)" if found["pidns"] == "on" else
                     "off: needs root and a mount namespace (files are limited one by one only)")
    found["netns"] = ("on (no network: a network namespace of the kernel's own)" if found["pidns"] == "on"
                      else "off: needs root (seccomp and Landlock still refuse connections)")
    return found


_TRIED: dict[str, str] = {}


def _tried() -> dict[str, str]:
    if not _TRIED:
        import subprocess
        import tempfile

        folder = tempfile.mkdtemp(prefix="autograder-trial-")
        try:
            done = subprocess.run([sys.executable, "-m", "autograder.sandbox.confine", "--trial", folder],
                                  capture_output=True, text=True, timeout=60,
                                  env={**kernel_environment(dict(os.environ)), "OPENBLAS_NUM_THREADS": "1"})
            _TRIED.update(json.loads(done.stdout.strip().splitlines()[-1]))
        except (OSError, ValueError, IndexError, subprocess.SubprocessError) as exc:
            _TRIED.update({name: f"off: the trial failed ({type(exc).__name__})"
                           for name in ("landlock", "seccomp", "caps", "pidns")})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return dict(_TRIED)


def _holds(apply, attempt, still: str) -> str:
    """Apply a protection, then make an attempt it must refuse: "on", or why it is off."""
    try:
        apply()
    except OSError as exc:
        return f"off: {exc}"
    try:
        attempt()
    except PermissionError:
        return "on"
    except OSError as exc:
        return f"off: the check failed ({exc})"
    return f"off: {still}"


def trial(folder: str) -> dict[str, str]:
    """Apply each protection to this process, in a kernel's order, and check that it holds
    (with a file and a listening socket made in `folder`, which it must then not reach)."""
    import socket

    from . import seccomp

    result = {}
    allowed = readable_paths()
    missing = seccomp.unavailable()  # loads libseccomp: Landlock would hide what that needs
    secret = os.path.join(folder, "outside")
    Path(secret).write_text("x")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(os.path.join(folder, "socket"))
    listener.listen()
    if os.geteuid() == 0:
        child = os.fork()
        if child == 0:  # new PID and mount namespaces, as a kernel's (in a child: no threads after it)
            os._exit(0 if _libc().unshare(0x20000000 | 0x00020000 | 0x40000000) == 0 else 1)
        status = os.waitpid(child, 0)[1]
        result["pidns"] = "on" if status == 0 else "off: unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET) failed"
    try:
        drop_capabilities()
        status = Path("/proc/self/status").read_text()
        effective = int(next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff")), 16)
        result["caps"] = "on" if effective == 0 else f"off: {effective:#x} still effective"
    except (OSError, StopIteration, ValueError) as exc:
        result["caps"] = f"off: {exc}"
    result["landlock"] = _holds(lambda: apply_landlock(allowed, []), lambda: Path(secret).read_text(),
                                "a file outside the allowed paths was still readable")
    result["seccomp"] = f"off: {missing}" if missing else _holds(
        seccomp.apply, lambda: socket.socket(socket.AF_UNIX).connect(os.path.join(folder, "socket")),
        "a Unix socket could still be connected to")
    return result


def _reachable(uid: int) -> bool:
    """Whether `uid` could run this interpreter (every folder above it searchable)."""
    for path in {sys.executable, sys.prefix, sys.base_prefix}:
        current = Path(path).resolve()
        for folder in [current, *current.parents]:
            mode = folder.stat().st_mode
            if folder.is_dir() and not mode & stat.S_IXOTH and folder.stat().st_uid != uid:
                return False
    return True


def enter(policy: Policy, connection_file: str, environ: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Put this process in the sandbox for good; return the kernel's connection file and env.

    The connection file is copied into the workdir (the only place the kernel can
    read it from); of the environment only the variables of ENV_KEPT are kept.
    """
    from . import seccomp

    if policy.seccomp:
        seccomp.unavailable()  # loads libseccomp now: once Landlock is on, the grader's package is unreadable
    work = Path(policy.workdir)
    # The kernel reads and writes only under scratch/ (its home, cwd, temporary folder, its
    # connection file and its channels' sockets): a tmpfs of policy.disk_bytes where the
    # kernel has a mount namespace of its own (grading as root), so that its files, sockets
    # included, cannot fill the grader's disk; the grader then reaches the sockets through
    # /proc/<pid>/root.
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    if quota_applies(policy):
        owner = f",uid={policy.uid},gid={policy.uid}" if policy.uid is not None else ""
        options = f"size={policy.disk_bytes},nr_inodes=65536,mode=0700{owner}".encode()
        if _libc().mount(b"tmpfs", str(scratch).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
            raise OSError(ctypes.get_errno(), f"mount tmpfs on {scratch}")
    for sub in ("home", "tmp"):
        (scratch / sub).mkdir(exist_ok=True)
    copy = scratch / "kernel.json"
    if connection_file:
        shutil.copy(connection_file, copy)
    env = kernel_environment(environ)
    home = scratch / "home"
    env.update(HOME=str(home), TMPDIR=str(scratch / "tmp"), IPYTHONDIR=str(home / ".ipython"),
               JUPYTER_RUNTIME_DIR=str(scratch / "tmp"), MPLBACKEND="module://matplotlib_inline.backend_inline",
               PYTHONDONTWRITEBYTECODE="1")
    limits = ((resource.RLIMIT_CPU, policy.cpu_seconds), (resource.RLIMIT_AS, policy.memory_bytes),
              (resource.RLIMIT_FSIZE, policy.file_bytes), (resource.RLIMIT_CORE, 0))
    for which, value in limits:
        resource.setrlimit(which, (value, value))
    # The grading worker's own cap (autograder.batch.worker.WORKER_MEMORY) is not the kernel's:
    # its memory is bounded by RLIMIT_AS above.
    data_hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    resource.setrlimit(resource.RLIMIT_DATA, (data_hard, data_hard))
    death_signal = ctypes.c_int(0)
    _libc().prctl(_PR_GET_PDEATHSIG, ctypes.byref(death_signal), 0, 0, 0)
    parent = os.getppid()
    if policy.uid is not None and os.geteuid() == 0:
        for path in work.rglob("*"):
            os.chown(path, policy.uid, policy.uid)
        os.chown(work, policy.uid, policy.uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (policy.processes, policy.processes))
        os.setgroups([])
        os.setgid(policy.uid)
        os.setuid(policy.uid)
        if death_signal.value:  # a change of user clears it: arm it again
            _libc().prctl(_PR_SET_PDEATHSIG, death_signal.value, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(70)
    drop_capabilities()
    if policy.landlock:
        apply_landlock([*policy.read, *system_paths(os.getpid())], [str(scratch), *SYSTEM_WRITE],
                       listable=tuple(policy.listable))
    if policy.seccomp:
        seccomp.apply()
    os.chdir(home)
    return str(copy), env


def quota_applies(policy: Policy) -> bool:
    """Whether the kernel's files are held to policy.disk_bytes (a tmpfs needs root and
    a mount namespace of the kernel's own)."""
    return bool(policy.disk_bytes) and policy.private_mounts and os.geteuid() == 0


def _launch(policy: Policy, command: list[str]) -> None:
    """Become the sandboxed kernel: set every limit, then exec `command`."""
    index = command.index("-f") + 1 if "-f" in command else None
    connection, env = enter(policy, command[index] if index else "", dict(os.environ))
    if index:
        command[index] = connection
    os.execvpe(command[0], command, env)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--trial"]:
        print(json.dumps(trial(argv[1])))
        return
    split = argv.index("--")
    if argv[0] == "--die-with-parent":
        # Outside the namespaces: if the grading process is killed, so is everything
        # below (unshare --kill-child takes the namespace's processes with it).
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:
            sys.exit("the grading process is gone")
        os.execvp(argv[split + 1], argv[split + 1:])
    _launch(Policy(**json.loads(argv[0])), argv[split + 1:])


def sweep_orphaned(prefix: str) -> None:
    """Remove the temporary folders `<prefix><pid>-*` of processes that are gone.

    A grading process killed with SIGKILL cannot clean up; the next one does.
    """
    import tempfile

    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        owner = folder.name[len(prefix):].split("-", 1)[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def memory_bytes(text: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


if __name__ == "__main__":
    main()
