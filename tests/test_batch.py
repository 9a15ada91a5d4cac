"""Grading a class in batches: resumed batches, kernels that share nothing, a Dask
cluster and a PostgreSQL gradebook with graders writing at the same time.

The pipeline tests grade the sample classes with the default number of workers (the
machine's cores); these check what a batch adds: each result recorded once, and
the same scores wherever and however the work ran. The class graded into PostgreSQL
also holds a submission that tries the server's Unix socket.
"""
from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import assert_graded_as_declared, autograder, copy_course, keep_samples

pytestmark = pytest.mark.pipeline
CHAPTER = "01_numerical"
SMALL = {"ada_complete", "dan_factor_two", "untouched"}


def journal(root: Path, chapter: str) -> list[tuple]:
    from sqlalchemy import create_engine, select

    from autograder.batch.gradebook import JOURNAL, course_db_url

    engine = create_engine(course_db_url(root))
    with engine.connect() as connection:
        rows = connection.execute(select(JOURNAL).where(JOURNAL.c.assignment == chapter)).all()
    engine.dispose()
    return rows


def submission_rows(root: Path, chapter: str) -> list[str]:
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    with Gradebook(course_db_url(root), course_id(root)) as gb:
        return sorted(s.student_id for s in gb.assignment_submissions(chapter))


@pytest.fixture
def small_class(tmp_path):
    root = copy_course(tmp_path, built=True)
    keep_samples(root, CHAPTER, SMALL)
    autograder(root, "sample", CHAPTER)
    return root


LEAKER = '''# base: solution
# loses:
# %% forward_difference
import builtins, os, sys, numpy, adcourse.functions
numpy.LEAKED = builtins.LEAKED = adcourse.functions.LEAKED = True
os.environ["LEAKED"] = "1"
open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "leaked"), "w").write("1")
sys.modules["leaked_module"] = numpy

def forward_difference(f, x, h=1e-6):
    return (f(x + h) - f(x)) / h
'''

CHECKER = '''# base: solution
# loses:
# %% forward_difference
import builtins, os, sys, numpy, adcourse.functions
_SEEN = [name for name, found in (
    ("numpy", hasattr(numpy, "LEAKED")), ("builtins", hasattr(builtins, "LEAKED")),
    ("adcourse", hasattr(adcourse.functions, "LEAKED")), ("environment", "LEAKED" in os.environ),
    ("modules", "leaked_module" in sys.modules),
    ("files", os.path.exists(os.path.join(os.environ.get("TMPDIR", "/tmp"), "leaked")))) if found]

def forward_difference(f, x, h=1e-6):
    if _SEEN:
        raise RuntimeError(f"an earlier student's kernel left: {_SEEN}")
    return (f(x + h) - f(x)) / h
'''


def test_a_second_run_grades_only_what_changed_and_kernels_one_after_another_share_nothing(tmp_path):
    """One worker, one fork server: each student's kernel sees nothing of the ones before
    it (a_leaker's is the first). A course never built: the first `grade` puts the chapter
    in the gradebook itself. Then a second run grades nothing, and a third only the
    submission that changed."""
    root = copy_course(tmp_path)
    keep_samples(root, CHAPTER, {"dan_factor_two"})
    (root / "samples" / CHAPTER / "a_leaker.py").write_text(LEAKER)
    (root / "samples" / CHAPTER / "b_checker.py").write_text(CHECKER)
    students = {"dan_factor_two", "a_leaker", "b_checker"}
    autograder(root, "sample", CHAPTER)
    first = autograder(root, "grade", CHAPTER, "--workers", "1")
    assert re.search(r"^graded 3 of 3 submissions in [\d.]+ s \([\d.]+ s each\); this run: 3 graded, "
                     r"0 failed, 0 flagged, 0 already graded; feedback in feedback/$", first.stdout, re.M), first.stdout
    from autograder.scores import read_scores

    rows = {r.student: r for r in read_scores(root, CHAPTER)[2]}
    assert rows["a_leaker"].scores["forward_difference"] == 3.0
    assert rows["b_checker"].scores["forward_difference"] == 3.0, rows["b_checker"].cells
    assert_graded_as_declared(root, CHAPTER, students)
    again = autograder(root, "grade", CHAPTER)
    assert "this run: 0 graded, 0 failed, 0 flagged, 3 already graded" in again.stdout, again.stdout
    # A student submits again: that submission alone is graded.
    import nbformat

    path = root / "submitted" / "dan_factor_two" / CHAPTER / "numerical.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "central_difference":
            cell.source = cell.source.replace("/ h", "/ (2 * h)")
    nbformat.write(notebook, path)
    changed = autograder(root, "grade", CHAPTER)
    assert "this run: 1 graded, 0 failed, 0 flagged, 2 already graded" in changed.stdout, changed.stdout
    forced = autograder(root, "grade", CHAPTER, "--force")
    assert "this run: 3 graded" in forced.stdout
    assert submission_rows(root, CHAPTER) == sorted(students)
    assert sorted(row.student for row in journal(root, CHAPTER)) == sorted(students)


def test_a_dask_cluster_grades_into_one_gradebook(small_class):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        done = autograder(small_class, "grade", CHAPTER, "--scheduler", cluster.scheduler_address)
    assert "the Dask cluster at" in done.stdout and "this run: 3 graded, 0 failed" in done.stdout
    assert_graded_as_declared(small_class, CHAPTER, SMALL)
    rows = journal(small_class, CHAPTER)
    assert sorted(r.student for r in rows) == sorted(SMALL)
    assert len({r.worker for r in rows}) == 2, "both Dask workers graded"


def test_no_scheduler_at_the_address_is_a_clear_error(small_class):
    import os

    # Dask's own connect timeout (30 s by default), shortened: the message is the point.
    done = autograder(small_class, "grade", CHAPTER, "--scheduler", "tcp://127.0.0.1:9", check=False,
                      env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 2
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in done.stderr


GRADEBOOK_ATTACK = '''# base: solution
# loses: forward_difference
# %% forward_difference
import glob, socket
def forward_difference(f, x, h=1e-6):
    return 0.0 * x
tried = {}
for path in glob.glob("/tmp/autograder-pg-*/.s.PGSQL.*") + PATHS:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        tried[path] = "connected"
        try:
            import psycopg
            port = path.rsplit(".", 1)[1]
            with psycopg.connect(host=path.rsplit("/", 1)[0], port=port, user="grader",
                                 dbname=DBNAME, autocommit=True) as db:
                db.execute("UPDATE grade SET manual_score = 0")
                tried[path] += " and rewrote the grades"
        except Exception as exc:
            tried[path] += f" (psycopg: {type(exc).__name__})"
    except OSError as exc:
        tried[path] = type(exc).__name__
    finally:
        s.close()
print("TRIED", tried)
'''




@pytest.fixture(scope="module")
def postgresql_class(tmp_path_factory, postgres):
    """Two graders grade the same chapter into one PostgreSQL gradebook at the same time
    (a third grades another chapter). Where the kernels have their seccomp filter, the
    class holds a submission that tries to rewrite the grades through the server's Unix
    socket."""
    from autograder.sandbox.confine import probe

    root = copy_course(tmp_path_factory.mktemp("postgresql"))
    url = postgres.database()
    sockets = sorted(glob.glob(f"{postgres.base}/.s.PGSQL.*"))
    assert sockets, "the server has a Unix socket"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    other = "03_forward"
    students, others = set(SMALL), {"instructor", "untouched"}
    keep_samples(root, CHAPTER, students)
    keep_samples(root, other, others)
    attacked = probe()["seccomp"] == "on"
    if attacked:
        attack = GRADEBOOK_ATTACK.replace("PATHS", repr(sockets)).replace("DBNAME", repr(url.rsplit("/", 1)[1]))
        (root / "samples" / CHAPTER / "h_gradebook.py").write_text(attack)
        students.add("h_gradebook")
    autograder(root, "build", CHAPTER, other)
    autograder(root, "sample", CHAPTER, other)
    command = [sys.executable, "-m", "autograder", "--root", str(root), "grade"]
    graders = [subprocess.Popen(command + [CHAPTER, "--force", "--workers", "1", "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    graders.append(subprocess.Popen(command + [other, "--workers", "1", "--no-progress"],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [g.communicate(timeout=900)[0] for g in graders]
    assert [g.returncode for g in graders] == [0, 0, 0], "\n\n".join(outputs)
    return {"root": root, "other": other, "students": students, "others": others,
            "sockets": sockets, "attacked": attacked}


def test_postgresql_gradebook_with_graders_writing_at_once(postgresql_class):
    root, other = postgresql_class["root"], postgresql_class["other"]
    students, others = postgresql_class["students"], postgresql_class["others"]
    assert submission_rows(root, CHAPTER) == sorted(students)
    assert submission_rows(root, other) == sorted(others)
    assert sorted(r.student for r in journal(root, CHAPTER)) == sorted(students)
    assert_graded_as_declared(root, CHAPTER, students)
    assert_graded_as_declared(root, other, others)
    report = autograder(root, "report", CHAPTER)
    assert "ada_complete" in report.stdout


def test_check_grades_in_a_scratch_gradebook_not_the_courses(postgresql_class, tmp_path):
    """`autograder check` in a course whose gradebook is PostgreSQL: full marks for the
    solution, and the course's gradebook never hears of the notebook checked."""
    import shutil

    from autograder.course import notebook_name
    from autograder.scores import read_scores

    root, other = postgresql_class["root"], postgresql_class["other"]
    mine = tmp_path / notebook_name(root, other)
    shutil.copy(root / "solutions" / other / mine.name, mine)
    result = autograder(root, "check", str(mine))
    names, maximum, _ = read_scores(root, other)
    top = sum(maximum[n] for n in names if not n.startswith("written"))
    assert f"autograded score: {top:g} of {top:g} points" in result.stdout, result.stdout
    assert submission_rows(root, other) == sorted(postgresql_class["others"])


def test_a_submission_cannot_reach_a_postgresql_gradebook_on_its_unix_socket(postgresql_class):
    """The class's grades stand (test above); here, what the submission tried and got."""
    if not postgresql_class["attacked"]:
        if os.environ.get("CI"):
            pytest.fail("seccomp is off: the course installs pyseccomp, Debian libseccomp2")
        pytest.skip("needs libseccomp (the pyseccomp package and Debian's libseccomp2)")
    import nbformat

    root, sockets = postgresql_class["root"], postgresql_class["sockets"]
    from autograder.scores import read_scores

    _, maximum, rows = read_scores(root, CHAPTER)
    attacker = next(r for r in rows if r.student == "h_gradebook")
    assert attacker.scores["forward_difference"] < maximum["forward_difference"]
    graded = nbformat.read(root / "autograded" / "h_gradebook" / CHAPTER / "numerical.ipynb", 4)
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    tried = printed[printed.index("TRIED"):].splitlines()[0]
    assert all(path in tried for path in sockets), tried
    assert "connected" not in tried and "PermissionError" in tried, tried
    assert os.path.exists(sockets[0])
