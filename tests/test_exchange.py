"""nbgrader's exchange end to end, between an instructor account and a student account.

The instructor releases a chapter from a scratch copy of the course; the student, a
different Unix account with the students' configuration of deploy/student/ (as a
JupyterHub image installs it) and the students' Python environment (nbgrader and the
student package, nothing of the grader: tests/student_env.py), fetches it, answers it
and submits; the instructor collects, grades with `autograder grade` and releases the
feedback; the student fetches the feedback. As root the student is the unprivileged
user `nobody`; otherwise the student is the same account with its own home (the
exchange's paths are the same).

Then what students can write to inbound/ that is not their own notebook: links to the
solutions, to another student's collected notebook and to /dev/zero, a linked folder, a
FIFO, a hard link, an oversized file, files that are not notebooks, names with escape
sequences, a folder named for another student. One `nbgrader collect` takes each class,
refuses each of these with a line in its log and collects the honest submissions intact.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import nbgrader
from autograder.text import printable
from autograder.samples import Sample, assemble, parse_sample
from autograder.scores import read_scores

from .conftest import ROOT, autograder, copy_course
from .student_env import adcourse_modules, build_wheel, same_python, student_site

CHAPTER = "01_numerical"
NOTEBOOK = "numerical.ipynb"
NOBODY = 65534
SYSTEM_PYTHON = Path("/usr/bin/python3")
pytestmark = pytest.mark.pipeline

#: nbgrader's records in a collected submission, besides its notebooks.
RECORDS = {"timestamp.txt", "submission_secret.txt"}

#: Run by the student's Python: what it can import and read (printed as JSON).
PROBE = r"""
import importlib, json, os, pkgutil, sys
checkout, names = sys.argv[1], set(json.loads(sys.argv[2]))
import adcourse
modules = sorted(m.name for m in pkgutil.iter_modules(adcourse.__path__))
for name in modules:
    importlib.import_module("adcourse." + name)
try:
    import autograder
    grader = repr(autograder)
except ModuleNotFoundError as error:
    grader = "ModuleNotFoundError: " + str(error)
import nbgrader.apps
readable = []
for entry in sys.path:
    for folder, dirs, files in os.walk(entry or "."):
        if os.path.basename(folder) in ("reference", "cases"):
            readable += [os.path.join(folder, f) for f in files
                         if f in names and os.access(os.path.join(folder, f), os.R_OK)]
from_checkout = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}
                       - {""})
from_checkout = [f for f in from_checkout if f.startswith(checkout + os.sep)]
print(json.dumps({"adcourse": adcourse.__file__, "modules": modules, "grader": grader,
                  "readable": readable, "from_checkout": from_checkout,
                  "path_in_checkout": [p for p in sys.path if p.startswith(checkout + os.sep)]}))
"""


class Student:
    """Runs commands as the student: another uid when this process is root.

    The student's Python is started with -S and PYTHONPATH set to the student's site
    folder: it sees that folder and the standard library, nothing of this environment.
    """

    def __init__(self, home: Path, site: Path):
        self.home, self.site = home, site
        self.config = home / ".jupyter"
        shutil.copytree(ROOT / "deploy" / "student", self.config)
        self.other_account = os.geteuid() == 0 and shutil.which("setpriv") is not None
        self.name = pwd.getpwuid(NOBODY if self.other_account else os.geteuid()).pw_name
        self.python = [sys.executable, "-S"]
        if self.other_account:
            # The instructor's interpreter may sit under /root, which other accounts
            # cannot read; the system's Python of the same version runs the same packages.
            if not same_python(SYSTEM_PYTHON):
                pytest.skip(f"needs {SYSTEM_PYTHON} of Python {sys.version_info[:2]} for the student account")
            self.python = [str(SYSTEM_PYTHON), "-S"]
        self.give_back(home)

    def give_back(self, path: Path) -> None:
        """Make `path` (and what is under it) the student's."""
        if self.other_account:
            chown_tree(path, NOBODY)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {"HOME": str(self.home), "PATH": "/usr/local/bin:/usr/bin:/bin",
               "JUPYTER_CONFIG_DIR": str(self.config), "LANG": "C.UTF-8", "PYTHONPATH": str(self.site)}
        prefix = (["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
                  if self.other_account else [])
        result = subprocess.run([*prefix, *self.python, *args], check=False, cwd=self.home, env=env,
                                text=True, capture_output=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"student: {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result


def chown_tree(path: Path, uid: int) -> None:
    for folder, _, files in os.walk(path):
        os.chown(folder, uid, uid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def instructor(course: Path, *args: str) -> str:
    result = nbgrader(course, *args, capture=True)
    assert result.returncode == 0, f"instructor: nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def collect(course: Path, exchange: Path, *options: str) -> str:
    """`nbgrader collect` of the chapter, as the instructor; its log."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", "collect", CHAPTER, f"--Exchange.root={exchange}",
                             *options], check=False, cwd=course, text=True, capture_output=True, timeout=120)
    assert result.returncode == 0, f"nbgrader collect failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def reference_names() -> list[str]:
    """File names of the references and hidden cases (`numerical.py`, ...)."""
    return sorted({p.name for folder in ("reference", "cases") for p in (ROOT / "autograder" / folder).glob("*.py")
                   if p.name != "__init__.py"})


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(tmp_path_factory.mktemp("student-wheel"))


@pytest.fixture
def accounts(wheel):
    # Under /tmp, not in the checkout: the student reads nothing of the checkout or of
    # /root, which may be folders other accounts cannot enter.
    base = Path(tempfile.mkdtemp(prefix="autodiff-exchange-"))
    os.chmod(base, 0o755)
    try:
        exchange = base / "exchange"
        exchange.mkdir()
        os.chmod(exchange, 0o777)  # as on shared storage: every account creates its folders
        (base / "instructor").mkdir()
        course = copy_course(base / "instructor", built=True)
        home = base / "student"
        home.mkdir()
        site = student_site(base / "student-site", wheel)
        yield {"exchange": exchange, "course": course, "student": Student(home, site)}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_release_fetch_submit_collect_grade_and_return_feedback(accounts):
    exchange, course, student = accounts["exchange"], accounts["course"], accounts["student"]
    root = f"--Exchange.root={exchange}"

    # The student's Python has the student package and nbgrader, and nothing of the grader.
    probe = json.loads(student.run("-c", PROBE, str(ROOT), json.dumps(reference_names())).stdout)
    assert probe["adcourse"].startswith(str(student.site)), probe["adcourse"]
    assert sorted(probe["modules"]) == adcourse_modules()
    assert probe["grader"] == "ModuleNotFoundError: No module named 'autograder'", probe["grader"]
    assert probe["readable"] == [], "the student can read references or hidden cases"
    assert probe["from_checkout"] == [] and probe["path_in_checkout"] == [], probe

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

    log = instructor(course, "collect", CHAPTER, root)
    assert "Refused" not in log, log
    submitted = course / "submitted" / student.name / CHAPTER
    assert (submitted / NOTEBOOK).read_bytes() == fetched.read_bytes()
    assert {p.name for p in submitted.iterdir()} == {NOTEBOOK} | RECORDS

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


# -- what collect refuses ------------------------------------------------------------------

T0 = datetime.datetime(2030, 5, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
SECRET = "0123456789abcdef" * 8


class Class:
    """A scratch course that released the chapter to its own exchange, and its inbound/.

    The release is made once (`released`); each class starts from a copy of that course
    and that exchange.
    """

    def __init__(self, base: Path, released: Path | None = None):
        self.exchange, self.course = base / "exchange", base / "course"
        if released is None:
            self.exchange.mkdir()
            os.chmod(self.exchange, 0o777)
            self.course.mkdir()
            copy_course(self.course, built=True)
            instructor(self.course, "release_assignment", CHAPTER, f"--Exchange.root={self.exchange}")
        else:
            shutil.copytree(released / "course", self.course, symlinks=True)
            shutil.copytree(released / "exchange", self.exchange, symlinks=True)
        self.inbound = self.exchange / "autodiff" / "inbound"
        self.released = (self.exchange / "autodiff" / "outbound" / CHAPTER / NOTEBOOK).read_bytes()
        self.solution = self.course / "solutions" / CHAPTER / NOTEBOOK
        self.log = ""

    def name(self, student: str, minutes: int = 0) -> Path:
        """A path in inbound/ named as `nbgrader submit` names a submission."""
        when = (T0 + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        return self.inbound / f"{student}+{CHAPTER}+{when}+{os.urandom(6).hex()}"

    def folder(self, student: str, minutes: int = 0) -> Path:
        """A new folder of inbound/, named as `nbgrader submit` names it."""
        folder = self.name(student, minutes)
        folder.mkdir()
        return folder

    def submit(self, student: str, notebook: bytes | None = None, minutes: int = 0,
               owner: int | None = None, **extra: bytes) -> Path:
        """A submission as `nbgrader submit` writes it, with `extra` files beside the notebook."""
        folder = self.folder(student, minutes)
        when = folder.name.split("+")[2]
        files = {NOTEBOOK: notebook if notebook is not None else self.work(student),
                 "timestamp.txt": when.encode(), "submission_secret.txt": SECRET.encode(), **extra}
        for name, data in files.items():
            (folder / name).write_bytes(data)
            os.chmod(folder / name, 0o644)
        os.chmod(folder, 0o777)
        if owner is not None:
            chown_tree(folder, owner)
        return folder

    def work(self, student: str) -> bytes:
        """A notebook that is recognisably `student`'s own."""
        nb = nbformat.reads(self.released.decode("utf-8"), as_version=4)
        cell_id = hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        nb.cells.append(nbformat.v4.new_markdown_cell(f"Answers of {student}.", id=cell_id))
        return nbformat.writes(nb).encode("utf-8")

    def submitted(self, student: str) -> Path:
        return self.course / "submitted" / student / CHAPTER

    def refusals(self, student: str) -> list[str]:
        return [line for line in self.log.splitlines() if "Refused" in line and f"(student {student})" in line]


#: student -> (what the student's folder holds, what its refusal lines say, what is collected)
ATTACKS = {
    "solution_link": ("numerical.ipynb links to the instructor's solutions/", ["a symbolic link"], None),
    "peer_link": ("numerical.ipynb links to zoe's collected submitted/ notebook", ["a symbolic link"], None),
    "zero_link": ("numerical.ipynb links to /dev/zero", ["a symbolic link"], None),
    "folder_link": ("the submission folder links to solutions/01_numerical/", ["symbolic link, not a folder"], None),
    "fifo": ("numerical.ipynb is a FIFO", ["a FIFO"], None),
    "hard_link": ("numerical.ipynb is a hard link to the solutions' notebook", ["a hard link"], None),
    "oversized": ("numerical.ipynb is 32 MiB and one byte (sparse)", ["more than the 33554432"], None),
    "extras": ("the student's notebook, and numpy.py, sitecustomize.py, x.pth, a folder pkg/",
               ["numpy.py", "sitecustomize.py", "x.pth", "pkg"], {NOTEBOOK}),
    "escapes": ("the student's notebook, and a notebook whose name holds escape sequences",
                ["a\\x1b]0;owned\\x07.ipynb"], {NOTEBOOK}),
    "badtime": ("the folder's name holds no timestamp", ["holds no timestamp"], None),
}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A course that released the chapter to its exchange, to copy."""
    base = tmp_path_factory.mktemp("released")
    Class(base)
    return base


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, released):
    """One class with the honest alice and bob, zoe collected before, and every attack."""
    cls = Class(tmp_path_factory.mktemp("attacked"), released)
    earlier = cls.submitted("zoe")
    earlier.mkdir(parents=True)
    (earlier / NOTEBOOK).write_bytes(cls.work("zoe"))
    (earlier / "timestamp.txt").write_text("2030-04-01 10:00:00.000000 UTC")

    cls.submit("alice")
    cls.submit("bob", minutes=1)
    for student, target in (("solution_link", cls.solution), ("peer_link", earlier / NOTEBOOK),
                            ("zero_link", Path("/dev/zero"))):
        (cls.folder(student) / NOTEBOOK).symlink_to(target)
    cls.name("folder_link").symlink_to(cls.solution.parent)
    os.mkfifo(cls.folder("fifo") / NOTEBOOK)
    os.link(cls.solution, cls.folder("hard_link") / NOTEBOOK)
    with open(cls.folder("oversized") / NOTEBOOK, "wb") as fh:
        fh.truncate(32 * 1024 * 1024 + 1)
    extras = cls.submit("extras", **{"numpy.py": b"raise SystemExit", "sitecustomize.py": b"import os",
                                     "x.pth": b"import os"})
    (extras / "pkg").mkdir()
    (extras / "pkg" / "__init__.py").write_text("")
    cls.submit("escapes", **{"a\x1b]0;owned\x07.ipynb": cls.work("escapes")})
    cls.submit("\x1b[2J\x1b[Hmallory")
    (cls.inbound / f"badtime+{CHAPTER}+yesterday+x").mkdir()

    # Every student here is the same account: the owner check is the next fixture's.
    cls.log = collect(cls.course, cls.exchange, "--ExchangeCollect.check_owner=False")
    return cls


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_collect_refuses_what_is_not_the_students_own_notebook(attacked, student):
    _, said, collected = ATTACKS[student]
    lines = attacked.refusals(student)
    for words in said:
        assert any(words in line for line in lines), f"no refusal saying {words!r} for {student}:\n{attacked.log}"
    if student in ("folder_link", "badtime"):  # the folder itself is refused: no file named
        assert len(lines) == 1, lines
        assert f"inbound/{student}+{CHAPTER}+" in lines[0], lines
    elif collected is None:  # its notebook refused: nothing of it is collected
        assert any(f"Refused {NOTEBOOK} in inbound/{student}+" in line for line in lines), lines
        assert any("nothing collected" in line for line in lines), lines
    if collected is None:
        assert not attacked.submitted(student).exists()
    else:
        folder = attacked.submitted(student)
        assert {p.name for p in folder.iterdir()} == collected | RECORDS
        assert (folder / NOTEBOOK).read_bytes() == attacked.work(student)


def test_the_honest_submissions_of_the_same_run_are_collected_intact(attacked):
    for student in ("alice", "bob"):
        assert not attacked.refusals(student), attacked.refusals(student)
        folder = attacked.submitted(student)
        assert {p.name for p in folder.iterdir()} == {NOTEBOOK} | RECORDS
        assert (folder / NOTEBOOK).read_bytes() == attacked.work(student)
        assert (folder / "submission_secret.txt").read_text() == SECRET
        stamp = (folder / "timestamp.txt").read_text()
        assert stamp == next(attacked.inbound.glob(f"{student}+*")).name.split("+")[2], stamp
    # zoe's notebook, collected before and the target of peer_link's link, is as it was.
    assert (attacked.submitted("zoe") / NOTEBOOK).read_bytes() == attacked.work("zoe")
    assert sorted(p.name for p in attacked.submitted("zoe").iterdir()) == [NOTEBOOK, "timestamp.txt"]


def test_submitted_holds_only_notebooks_and_nbgraders_records(attacked):
    students = {p.name for p in (attacked.course / "submitted").iterdir()}
    assert students == {"alice", "bob", "zoe", "extras", "escapes"}, students
    for path in (attacked.course / "submitted").rglob("*"):
        depth = len(path.relative_to(attacked.course / "submitted").parts)  # student / chapter / file
        assert not path.is_symlink(), path
        if path.is_file():
            assert depth == 3 and (path.suffix == ".ipynb" or path.name in RECORDS), path
            assert path.stat().st_nlink == 1, path
        else:
            assert path.is_dir() and depth < 3, f"not a notebook: {path}"


def test_names_are_printed_escaped(attacked):
    assert "\x1b" not in attacked.log and "\x07" not in attacked.log, "raw control characters in the log"
    (line,) = [line for line in attacked.log.splitlines() if "mallory" in line]
    assert "inbound/\\x1b[2J\\x1b[Hmallory+01_numerical+" in line and "no valid student id" in line, line
    assert printable("a\x1b]0;x\x07\\b\udcff") == "a\\x1b]0;x\\x07\\\\b\\xff"
    assert printable("Zoë Müller") == "Zoë Müller"


def _other_account() -> pwd.struct_passwd | None:
    """An account that is neither root nor nobody, to own a submission as root can make it."""
    return next((p for p in pwd.getpwall() if p.pw_uid not in (0, NOBODY) and p.pw_name.isidentifier()), None)


def _no_account() -> int:
    uid = 54321
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


@pytest.fixture(scope="module")
def impersonated(tmp_path_factory, released):
    """Submissions whose folders are owned by another account than the student they name.

    As root the impostor is `nobody`, and folders of other owners are made too; otherwise
    the impostor is this account.
    """
    cls = Class(tmp_path_factory.mktemp("impersonated"), released)
    as_root = os.geteuid() == 0
    uid = NOBODY if as_root else os.geteuid()
    cls.me = pwd.getpwuid(uid).pw_name
    cls.victim = _other_account() if as_root else None
    cls.submit(cls.me, owner=uid if as_root else None)
    cls.submit("alice", owner=uid if as_root else None)  # alice is no account, or not this one
    if as_root:
        # A foreign notebook in the impostor's own folder; the victim's honest submission,
        # and a later one in the victim's name by the impostor; a folder of a uid that
        # is no account, whose owner cannot be told.
        stranger = cls.submit(cls.me, minutes=5, owner=uid)
        (stranger / "other.ipynb").write_bytes(cls.work("root"))
        if cls.victim is not None:
            cls.submit(cls.victim.pw_name, owner=cls.victim.pw_uid)
            cls.submit(cls.victim.pw_name, notebook=cls.work(cls.me), minutes=10, owner=uid)
        cls.submit("carol", owner=_no_account())
    cls.log = collect(cls.course, cls.exchange)
    return cls


def test_a_folder_not_owned_by_the_student_it_names_is_refused(impersonated):
    cls = impersonated
    (line,) = cls.refusals("alice")
    assert f"owned by {cls.me}, not by the student it names" in line, line
    assert not cls.submitted("alice").exists()
    mine = cls.submitted(cls.me)
    assert (mine / NOTEBOOK).read_bytes() == cls.work(cls.me)
    assert {p.name for p in mine.iterdir()} == {NOTEBOOK} | RECORDS


def test_a_forged_later_submission_hides_nothing(impersonated):
    cls = impersonated
    if cls.victim is None:
        pytest.skip("needs root and an account besides root and nobody to own a submission")
    (line,) = cls.refusals(cls.victim.pw_name)
    assert f"owned by {cls.me}, not by the student it names" in line, line
    # The victim's own, earlier submission is collected, not the impostor's.
    assert (cls.submitted(cls.victim.pw_name) / NOTEBOOK).read_bytes() == cls.work(cls.victim.pw_name)


def test_files_of_another_owner_in_a_students_folder_are_refused(impersonated):
    cls = impersonated
    if os.geteuid() != 0:
        pytest.skip("needs root to give a file another owner")
    (line,) = cls.refusals(cls.me)
    assert "Refused other.ipynb in" in line and "owned by another account" in line, line
    assert not (cls.submitted(cls.me) / "other.ipynb").exists()
    # A folder whose owner is no account cannot be told from its student's: collected.
    assert (cls.submitted("carol") / NOTEBOOK).read_bytes() == cls.work("carol")


def test_a_flood_of_refused_folders_is_logged_in_bounded_lines(tmp_path, released):
    from autograder.exchange import LOGGED_FOLDERS

    cls = Class(tmp_path, released)
    cls.submit("alice")
    for i in range(LOGGED_FOLDERS + 300):
        (cls.inbound / f"x{i}+{CHAPTER}+notatime+r").mkdir()
    log = collect(cls.course, cls.exchange, "--ExchangeCollect.check_owner=False")
    refused = [line for line in log.splitlines() if "Refused" in line]
    assert len(refused) == LOGGED_FOLDERS + 1, len(refused)
    assert "Refused 300 more folders of inbound/" in refused[-1]
    assert (cls.submitted("alice") / NOTEBOOK).read_bytes() == cls.work("alice")


def test_a_backdated_submission_is_collected_as_of_when_it_was_written(tmp_path, released):
    from nbgrader.utils import parse_utc

    cls = Class(tmp_path, released)
    now = datetime.datetime.now(datetime.timezone.utc)
    back = (now - datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    folder = cls.inbound / f"alice+{CHAPTER}+{back}+{os.urandom(6).hex()}"
    folder.mkdir()
    (folder / NOTEBOOK).write_bytes(cls.work("alice"))
    log = collect(cls.course, cls.exchange, "--ExchangeCollect.check_owner=False")
    assert "collected as submitted then" in log, log
    collected = parse_utc((cls.submitted("alice") / "timestamp.txt").read_text())
    assert abs(collected - now.replace(tzinfo=None)) < datetime.timedelta(minutes=5), collected
