"""nbgrader's exchange end to end, between an instructor account and a student account.

The instructor releases a chapter from a scratch copy of the course; the student, a
different Unix account with the students' configuration of deploy/student/ (as a
JupyterHub image installs it), fetches it, answers it and submits; the instructor
collects, grades with `autograder grade` and releases the feedback; the student fetches
the feedback. As root the student is the unprivileged user `nobody`; otherwise the
student is the same account with its own home (the exchange's paths are the same).
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import nbgrader
from autograder.samples import Sample, assemble, parse_sample
from autograder.scores import read_scores

from .conftest import ROOT, autograder, copy_course

CHAPTER = "01_numerical"
NOTEBOOK = "numerical.ipynb"
NOBODY = 65534
SYSTEM_PYTHON = Path("/usr/bin/python3")


class Student:
    """Runs commands as the student: another uid when this process is root."""

    def __init__(self, home: Path):
        self.home = home
        self.config = home / ".jupyter"
        shutil.copytree(ROOT / "deploy" / "student", self.config)
        self.other_account = os.geteuid() == 0 and shutil.which("setpriv") is not None
        self.name = pwd.getpwuid(NOBODY if self.other_account else os.geteuid()).pw_name
        self.python, self.path = [sys.executable], None
        if self.other_account:
            # The instructor's interpreter may sit under /root, which other accounts
            # cannot read; the system's Python of the same version runs the same packages.
            if not _same_python(SYSTEM_PYTHON):
                pytest.skip(f"needs {SYSTEM_PYTHON} of Python {sys.version_info[:2]} for the student account")
            self.python, self.path = [str(SYSTEM_PYTHON)], sysconfig.get_paths()["purelib"]
        self.give_back(home)

    def give_back(self, path: Path) -> None:
        """Make `path` (and what is under it) the student's."""
        if not self.other_account:
            return
        for folder, _, files in os.walk(path):
            os.chown(folder, NOBODY, NOBODY)
            for name in files:
                os.chown(os.path.join(folder, name), NOBODY, NOBODY)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {"HOME": str(self.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "JUPYTER_CONFIG_DIR": str(self.config), "LANG": "C.UTF-8"}
        if self.path:
            env["PYTHONPATH"] = self.path
        prefix = (["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
                  if self.other_account else [])
        result = subprocess.run([*prefix, *self.python, *args], cwd=self.home, env=env, text=True,
                                capture_output=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"student: {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result


def _same_python(python: Path) -> bool:
    if not python.is_file():
        return False
    version = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    return version == str(tuple(sys.version_info[:2]))


def instructor(course: Path, *args: str) -> str:
    result = nbgrader(course, *args, capture=True)
    assert result.returncode == 0, f"instructor: nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture
def accounts():
    base = Path(tempfile.mkdtemp(prefix="autodiff-exchange-"))
    os.chmod(base, 0o755)
    try:
        exchange = base / "exchange"
        exchange.mkdir()
        os.chmod(exchange, 0o777)  # as on shared storage: every account creates its folders
        (base / "instructor").mkdir()
        course = copy_course(base / "instructor")
        home = base / "student"
        home.mkdir()
        yield {"exchange": exchange, "course": course, "student": Student(home)}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_release_fetch_submit_collect_grade_and_return_feedback(accounts):
    exchange, course, student = accounts["exchange"], accounts["course"], accounts["student"]
    root = f"--Exchange.root={exchange}"

    instructor(course, "release_assignment", CHAPTER, root)
    released = exchange / "autodiff" / "outbound" / CHAPTER / NOTEBOOK
    assert released.read_bytes() == (ROOT / "course" / CHAPTER / NOTEBOOK).read_bytes()

    student.run("-m", "nbgrader", "fetch_assignment", CHAPTER, root)
    fetched = student.home / CHAPTER / NOTEBOOK
    assert nbformat.read(fetched, as_version=4).cells, "the student has the chapter's notebook"

    # The student answers every exercise, with a one-sided difference for the central one.
    sample = parse_sample(ROOT / "samples" / CHAPTER / "cleo_one_sided.py")
    nbformat.write(assemble(course, CHAPTER, Sample(student.name, sample.base, sample.loses,
                                                    sample.answers)), fetched)
    student.give_back(fetched)
    student.run("-m", "nbgrader", "submit", CHAPTER, root)

    inbound = exchange / "autodiff" / "inbound"
    if student.other_account:  # a student cannot see the other students' submissions
        peek = student.run("-c", f"import os; os.listdir({str(inbound)!r})", check=False)
        assert "PermissionError" in peek.stderr, peek.stderr

    instructor(course, "collect", CHAPTER, root)
    assert (course / "submitted" / student.name / CHAPTER / NOTEBOOK).is_file()

    graded = autograder(course, "grade", CHAPTER, "--no-progress")
    assert "1 graded, 0 failed" in graded.stdout, graded.stdout
    names, maximum, rows = read_scores(course, CHAPTER)
    (row,) = [r for r in rows if r.student == student.name]
    lost = {n for n in names if row.scores[n] < maximum[n] and n not in row.needs_manual}
    assert lost == {"central_difference"}, lost

    instructor(course, "release_feedback", CHAPTER, root)
    student.run("-m", "nbgrader", "fetch_feedback", CHAPTER, root)
    pages = list((student.home / CHAPTER / "feedback").glob(f"*/{NOTEBOOK.replace('.ipynb', '.html')}"))
    assert len(pages) == 1, pages
    assert "one-sided difference" in pages[0].read_text(encoding="utf-8")
