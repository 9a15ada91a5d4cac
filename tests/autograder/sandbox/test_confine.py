"""The sandbox's pieces: what a kernel's environment keeps, what of /proc and /etc it may
read, capabilities dropped with the C library's call, and a probe that reports what a
trial achieved rather than what version numbers promise."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder.sandbox import confine


def test_a_kernel_environment_keeps_a_short_list_and_no_secret():
    environ = {"PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "OMP_NUM_THREADS": "1",
               "PGPASSWORD": "x", "JUPYTERHUB_API_TOKEN": "x", "AWS_SECRET_ACCESS_KEY": "x",
               "DATABASE_URL": "postgresql://u:pw@h/db", "GITHUB_TOKEN": "x", "HOME": "/root",
               "SSH_AUTH_SOCK": "/run/ssh", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/bus"}
    kept = confine.kernel_environment(environ)
    assert kept == {"PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "OMP_NUM_THREADS": "1"}


def test_of_its_own_proc_folder_a_kernel_may_not_read_links_to_folders_or_socket_tables():
    granted = confine.system_paths(os.getpid())
    own = f"/proc/{os.getpid()}"
    for hidden in ("root", "cwd", "exe", "net", "task", "mountinfo", "mounts"):
        assert f"{own}/{hidden}" not in granted
    assert f"{own}/status" in granted and f"{own}/fd" in granted
    assert not any(p in granted for p in ("/proc", "/etc", "/proc/net", "/etc/shadow", "/etc/gshadow"))
    assert "/etc/passwd" in granted and "/etc/ld.so.cache" in granted
    assert "/etc" not in confine.readable_paths() and "/proc" not in confine.readable_paths()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs capabilities to drop")
def test_capabilities_are_dropped_with_the_c_library_call():
    code = ("from autograder.sandbox.confine import drop_capabilities; drop_capabilities(); "
            "print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.count("0000000000000000") == 3, done.stdout


def test_the_probe_reports_what_the_trial_achieved(monkeypatch):
    monkeypatch.setattr(confine, "_TRIED", {"landlock": "off: landlock_restrict_self: EPERM",
                                            "seccomp": "off: a Unix socket could still be connected to",
                                            "caps": "off: capset: EINVAL", "pidns": "off: unshare failed"})
    found = confine.probe()
    assert found["landlock"] == "off: landlock_restrict_self: EPERM"
    assert found["seccomp"].startswith("off") and found["caps"] == "off: capset: EINVAL"
    if os.geteuid() == 0:
        assert found["pidns"] == "off: unshare failed"


def test_the_trial_on_this_machine_checks_each_protection_holds(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder.sandbox.confine", "--trial", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    import json
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["caps"] == "on"
    if confine.landlock_abi():
        assert result["landlock"] == "on"
    from autograder.sandbox import seccomp
    if seccomp.unavailable() is None:
        assert result["seccomp"] == "on"
    else:
        assert result["seccomp"].startswith("off: ")
