"""Grade one submission, anywhere: a pure function from a `Job` to a `Result`.

A worker (a process of the local pool, or a Dask worker on another machine) needs
no access to the course folder or the gradebook: the job carries the submission's
files, the course's nbgrader configuration and a snapshot of the chapter's
gradebook. The worker lays out a private course in a temporary folder, runs stock
nbgrader there in-process (`autograde`, then `generate_feedback`, with the
course's preprocessors: the sealed, sandboxed execution among them) and sends back
the files and the scores nbgrader produced. Nothing in it outlives the job, so no
result depends on which worker ran it or what it ran before.
"""
from __future__ import annotations

import datetime
import errno
import fnmatch
import contextlib
import os
import re
import resource
import socket
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from adcourse import i18n

from .gradebook import quiet_sqlalchemy_warnings
from ..course import base_chapter
from ..sandbox.confine import sweep_orphaned
from ..text import shown


#: Scratch courses are temporary folders named after the worker's pid.
JOB_PREFIX = "autograder-job-"

#: The memory a grading process may hold (RLIMIT_DATA: its heap and private writable
#: mappings). Whatever a kernel returns, prints or calls back, grading one submission
#: past it fails that submission with MemoryError, and the worker goes on with the next.
#: The kernels it starts have their own limit (SandboxKernelManager.memory_limit).
WORKER_MEMORY = 1 << 30


@dataclass
class Job:
    chapter: str
    student: str
    files: dict[str, bytes]           # the submission folder: relative path -> content
    snapshot: bytes                   # gradebook.db with only this chapter
    config: str                       # the course's nbgrader_config.py
    course_id: str
    fingerprint: str
    source_files: dict[str, bytes] = field(default_factory=dict)  # non-notebook files of the chapter
    manual: dict = field(default_factory=dict)                    # hand-entered grades, for the feedback
    #: The course's configuration, from every file nbgrader reads in it (a traitlets Config:
    #: autograder.course.grading_config); None: the course's nbgrader_config.py alone.
    settings: object = None


@dataclass
class Result:
    chapter: str
    student: str
    fingerprint: str
    error: str | None = None                  # why nbgrader could not grade it at all
    autograded: dict[str, bytes] = field(default_factory=dict)
    feedback: dict[str, bytes] = field(default_factory=dict)
    notebooks: dict[str, dict] = field(default_factory=dict)   # name -> grades, comments, penalty
    timestamp: datetime.datetime | None = None
    stopped: str | None = None                # the kernel died or hung: later tests scored 0
    seconds: float = 0.0                      # wall time of the job in the worker
    cell_seconds: float = 0.0                 # time spent running the notebook's cells
    worker: str = ""
    sandbox: dict = field(default_factory=dict)     # the protections the kernel had on that worker
    not_preloaded: list = field(default_factory=list)  # what the worker's fork server failed to import


def _unsynced_if_private(connection, _record) -> None:
    """A job's gradebook is a throwaway copy (its results travel in the `Result`): SQLite
    need not wait for the disk at each of nbgrader's commits (one per score) there. Any
    other database, the course's gradebook among them, is left as it is."""
    import sqlite3

    if not isinstance(connection, sqlite3.Connection):
        return
    files = [row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main"]
    folder = Path(files[0]).parent if files and files[0] else None
    if folder is not None and folder.name.startswith(JOB_PREFIX) \
            and folder.parent == Path(tempfile.gettempdir()):
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA journal_mode = MEMORY")


def _private_gradebooks_unsynced() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _unsynced_if_private):
        event.listen(Engine, "connect", _unsynced_if_private)


#: One job at a time in a process (nbgrader changes its working folder; the fork server and
#: output capture are the process's): a Dask worker's threads grade theirs one after another.
_ONE_JOB = threading.Lock()


def grade_submission(job: Job) -> Result:
    """Autograde `job` in a private course; never raises for a bad submission."""
    with _ONE_JOB:
        quiet_sqlalchemy_warnings()
        _private_gradebooks_unsynced()
        start = time.perf_counter()
        result = Result(job.chapter, job.student, job.fingerprint,
                        worker=f"{socket.gethostname()}:{os.getpid()}")
        sweep_orphaned(JOB_PREFIX)
        # The grader's messages (hidden tests, diagnostics) in the edition's language.
        i18n.use(base_chapter(job.chapter)[1] or "en", plots=False)
        with tempfile.TemporaryDirectory(prefix=f"{JOB_PREFIX}{os.getpid()}-") as folder:
            root = Path(folder)
            try:
                api = _lay_out(root, job)
                done = api.autograde(job.chapter, job.student, force=True, create=True)
                if not done["success"]:
                    result.error = _last_line(done.get("error") or done.get("log") or "nbgrader failed")
                else:
                    _read_grades(root, job, result)
                    _enter_manual_grades(root, job)
                    feedback = api.generate_feedback(job.chapter, job.student, force=True)
                    if not feedback["success"]:
                        result.error = "feedback: " + _last_line(feedback.get("error") or feedback.get("log") or "")
                    result.autograded = _files(root / "autograded" / job.student / job.chapter)
                    result.feedback = _files(root / "feedback" / job.student / job.chapter)
            except Exception as exc:  # the batch goes on; the coordinator records why
                result.error = f"{type(exc).__name__}: {exc}"
        from ..sandbox.forkserver import fork_server

        i18n.use("en", plots=False)
        result.not_preloaded = list(fork_server().not_loaded)
        result.seconds = time.perf_counter() - start
        return result


def nbgrader_api(root: Path, course_id: str | None = None, config=None):
    """Stock nbgrader's API on the private course at `root`, configured by `config` (the
    course's, as `autograder.course.grading_config` gives it) or else by root's own
    nbgrader_config.py, with its own gradebook.db whatever database a configuration names."""
    import copy

    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    if config is None:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    else:
        config = copy.deepcopy(config)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    if course_id is not None:
        config.CourseDirectory.course_id = course_id
    config.Application.log_level = "ERROR"
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _lay_out(root: Path, job: Job):
    (root / "nbgrader_config.py").write_text(job.config, encoding="utf-8")
    (root / "gradebook.db").write_bytes(job.snapshot)
    for base, files in ((root / "submitted" / job.student / job.chapter, job.files),
                        (root / "solutions" / job.chapter, job.source_files)):
        base.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            path = base / _safe_relative(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return nbgrader_api(root, job.course_id, job.settings)


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"a submitted file has an unsafe name: {name!r}")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else "unknown error"


def _read_grades(root: Path, job: Job, result: Result) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", job.course_id) as gb:
        submission = gb.find_submission(job.chapter, job.student)
        result.timestamp = submission.timestamp
        for notebook in submission.notebooks:
            result.notebooks[notebook.name] = {
                "grades": {g.name: g.auto_score for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments},
                "penalty": notebook.late_submission_penalty,
            }
    for path in (root / "autograded" / job.student / job.chapter).glob("*.ipynb"):
        meta = nbformat.read(path, as_version=4).metadata.get("autograder", {})
        result.sandbox = dict(meta.get("sandbox", {}))
        result.stopped = result.stopped or meta.get("stopped")
        result.cell_seconds += float(meta.get("timing", {}).get("cells", 0.0))


def _enter_manual_grades(root: Path, job: Job) -> None:
    if not job.manual:
        return
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", job.course_id) as gb:
        for name, entered in job.manual.items():
            notebook = gb.find_submission_notebook(name, job.chapter, job.student)
            for grade in notebook.grades:
                for key, value in entered["grades"].get(grade.name, {}).items():
                    setattr(grade, key, value)
            for comment in notebook.comments:
                if comment.name in entered["comments"]:
                    comment.manual_comment = entered["comments"][comment.name]
        gb.db.commit()


# --- what a job carries ----------------------------------------------------------------------
#: Largest notebook a job takes.
MAX_NOTEBOOK_BYTES = 64 * 2**20
#: nbgrader's own records of a submission, which travel with its notebook (release_feedback
#: needs them in feedback/): name -> largest size; their text is a time or a hex secret.
RECORDS = {"timestamp.txt": 100, "submission_secret.txt": 200}
RECORD_TEXT = re.compile(rb"[0-9A-Za-z:.+\- ]*\n?")


def submission_files(folder: Path, notebooks: set[str],
                     ignore: tuple[str, ...] = ()) -> tuple[dict[str, bytes], list[str]]:
    """The chapter's notebooks in a submission folder, and what was left out and why.

    Only notebooks travel (with nbgrader's two records, `timestamp.txt` and
    `submission_secret.txt`, checked to be that): nothing else a student put in the
    folder (a `numpy.py`, a `sitecustomize.py`, a `.pth`) is graded, copied into autograded/ or feedback/, or
    ever lies beside a notebook an instructor opens. Nothing is read through a link:
    the folder and each notebook are opened with O_NOFOLLOW, and a notebook must be a
    regular file (not a FIFO or a device) of at most MAX_NOTEBOOK_BYTES.
    """
    files: dict[str, bytes] = {}
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        return files, [f"{shown(folder.name)} (the submission folder: {exc.strerror or exc})"]
    skipped = []
    try:
        for name in sorted(os.listdir(directory)):
            if any(fnmatch.fnmatch(name, pattern) for pattern in ignore):
                continue
            if name not in notebooks and name not in RECORDS:
                skipped.append(f"{shown(name)} (only the chapter's notebook is graded)")
                continue
            try:
                data = _read_regular(name, directory, RECORDS.get(name, MAX_NOTEBOOK_BYTES))
                if name in RECORDS and not RECORD_TEXT.fullmatch(data):
                    raise OSError(errno.EINVAL, "not one of nbgrader's records")
            except OSError as exc:
                skipped.append(f"{shown(name)} ({exc.strerror or exc})")
                continue
            files[name] = data
    finally:
        os.close(directory)
    return files, skipped


def _read_regular(name: str, directory: int, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The content of the regular file `name` in `directory`, never through a link."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(exc.errno, "a symbolic link, not a notebook") from None
        raise
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"{info.st_size} bytes: over the {limit} bytes it may have")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"over the {limit} bytes it may have")
    return data


@contextlib.contextmanager
def memory_cap(extra: int = WORKER_MEMORY):
    """While this process grades (in-process, as the only worker): at most `extra` bytes
    of data more than it holds now; the previous limit is put back afterwards."""
    previous = resource.getrlimit(resource.RLIMIT_DATA)
    cap_memory(data_bytes() + extra)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, previous)


def data_bytes() -> int:
    """The data this process holds now (VmData, what RLIMIT_DATA counts), or 0 if unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cap_memory(limit: int = WORKER_MEMORY) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def warm_up() -> None:
    """Pay the start-up costs before the first job (imports, then the kernels' fork
    server), and hold the worker to WORKER_MEMORY."""
    import importlib

    cap_memory()

    from ..sandbox.forkserver import fork_server

    for module in ("nbgrader.apps.api", "nbgrader.converters", "nbgrader.preprocessors",
                   "nbconvert.exporters", "nbclient", "bs4", "pygments.lexers.python",
                   "autograder.execute", "autograder.sandbox.kernel", "autograder.preprocessors", "autograder.exporters",
                   "autograder.checking"):
        importlib.import_module(module)
    fork_server().start_if_needed()
