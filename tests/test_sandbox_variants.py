"""The sandbox where grading does not run as root, and where it can change user.

The main suite grades as root with an interpreter under /root, which the sandbox's
unprivileged user cannot read (so it keeps root's uid, without capabilities). Here
the course is installed with the system's Python, readable by everyone (this
environment's packages linked into a virtual environment of it), and graded
twice: by an unprivileged user, as on an instructor's laptop (Landlock, rlimits, no
namespaces), and by root, which then runs each kernel as the unprivileged user.
"""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .conftest import ROOT
from .student_env import installed_with, link_distributions, link_tree, same_python

SYSTEM_PYTHON = Path("/usr/bin/python3")
NOBODY = 65534
CHAPTER = "01_numerical"
HOSTILE = '''# base: blank
# loses: *
# %% forward_difference
def forward_difference(f, x, h=1e-6):
    import autograder.reference.numerical as ref
    return ref.forward_difference(f, x, h)
'''

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user"),
    pytest.mark.skipif(not SYSTEM_PYTHON.is_file() or not shutil.which("setpriv"),
                       reason="needs the system's /usr/bin/python3 and setpriv"),
]


def as_nobody(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           *command], **kwargs)


@pytest.fixture(scope="module")
def install():
    """The project and a venv of the system Python, owned by the unprivileged user."""
    base = Path(tempfile.mkdtemp(prefix="autograder-variants-"))
    os.chmod(base, 0o755)
    for parent in base.parents:
        if not os.stat(parent).st_mode & 0o001:
            pytest.skip(f"{parent} is not searchable by other users")
    try:
        yield _install(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _install(base: Path) -> Path:
    """The checkout copied to base/project and installed (editable, as `make install` does)
    in a virtual environment of the system's Python at base/venv. Its other packages are
    this environment's: the project's declared dependencies, hard-linked (or copied) into
    the new environment's site folder (tests/student_env.py), with its Jupyter data and
    configuration (share/, etc/), so nothing is downloaded; all of it is readable by
    everyone. The links share this environment's files: nothing here may chown or write
    them (only the new folders are the unprivileged user's)."""
    if not same_python(SYSTEM_PYTHON):
        why = f"needs {SYSTEM_PYTHON} of Python {sys.version_info[:2]} to run this environment's packages"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    project = base / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", ".git", "submitted", "autograded", "feedback", "reports", "gradebook.db*",
        "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "test-artifacts"))
    (base / "home").mkdir()
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(project), str(base / "home")], check=True)
    venv = base / "venv"
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # What `pip install -e` of the project would bring (its dependencies, no extra) and
    # what installing it takes: nothing else of this environment, so an import the
    # project does not declare fails here.
    needed = installed_with(importlib.metadata.requires("autodiff-course") or []) | {"pip", "setuptools"}
    link_distributions(needed, site)
    for data in ("share", "etc"):  # Jupyter's data and configuration: kernelspecs, templates
        if (Path(sys.prefix) / data).is_dir():
            link_tree(Path(sys.prefix) / data, venv / data)
    write_scripts(site, venv / "bin")
    # The unprivileged user installs the project itself into the environment it owns the
    # folders of (the linked files stay this environment's, read-only to it).
    for folder in (site, venv / "bin"):
        os.chown(folder, NOBODY, NOBODY)
    env = {**os.environ, "HOME": str(base / "home")}
    env.pop("VIRTUAL_ENV", None)
    result = as_nobody(str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                       "--no-build-isolation", "--no-index", "-e", str(project),
                       env=env, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"installing with the system Python failed:\n{result.stderr[-3000:]}")
    return base


def write_scripts(site: Path, bin_folder: Path) -> None:
    """The console scripts of the distributions in `site` (nbgrader starts `alembic` by
    name), for the environment's own interpreter."""
    for dist in importlib.metadata.distributions(path=[str(site)]):
        for entry in dist.entry_points.select(group="console_scripts"):
            script = bin_folder / entry.name
            if script.exists() or not entry.attr:
                continue
            top = entry.attr.split(".")[0]
            script.write_text(f"#!{bin_folder / 'python'}\nimport sys\nfrom {entry.module} import {top}\n"
                              f"sys.exit({entry.attr}())\n")
            script.chmod(0o755)


def grade(base: Path, as_root: bool) -> str:
    project = base / "project"
    for folder in ("submitted", "autograded", "feedback"):
        shutil.rmtree(project / folder, ignore_errors=True)
    (project / "gradebook.db").unlink(missing_ok=True)
    samples = project / "samples" / CHAPTER
    for path in samples.glob("*.py"):
        if path.stem not in ("ada_complete", "cleo_one_sided", "untouched"):
            path.unlink()
    (samples / "h_read_references.py").write_text(HOSTILE)
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(project)], check=True)
    env = {**os.environ, "HOME": str(base / "home"),
           "PATH": f"{base / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    script = f"autograder --root {project} sample {CHAPTER} && autograder --root {project} grade {CHAPTER}"
    run = subprocess.run if as_root else as_nobody
    result = run(*(["bash", "-c", script],) if as_root else ("bash", "-c", script),
                 env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def scores(output: str) -> dict[str, float]:
    import re
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(\S+)\s+([\d.]+) / 36", output, re.M)}


def test_an_unprivileged_grader_still_seals_the_tests_and_confines_the_kernel(install):
    output = grade(install, as_root=False)
    assert "landlock on" in output and "uid off" in output and "pidns off" in output
    assert scores(output) == {"ada_complete": 33.0, "cleo_one_sided": 30.0,
                              "h_read_references": 0.0, "untouched": 0.0}


def test_root_runs_each_kernel_as_the_unprivileged_user(install):
    output = grade(install, as_root=True)
    assert f"uid on ({NOBODY})" in output and "pidns on" in output and "landlock on" in output
    assert scores(output) == {"ada_complete": 33.0, "cleo_one_sided": 30.0,
                              "h_read_references": 0.0, "untouched": 0.0}
