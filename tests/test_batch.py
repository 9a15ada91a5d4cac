"""Grading a class in batches: resumed batches, kernels that share nothing, a Dask
cluster and a PostgreSQL gradebook with graders writing at the same time.

The pipeline tests grade the sample classes with the default number of workers (the
machine's cores); these check what a batch adds: each result recorded once, and
the same scores wherever and however the work ran.
"""
from __future__ import annotations

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

    from autograder.gradebook import JOURNAL, course_db_url

    engine = create_engine(course_db_url(root))
    with engine.connect() as connection:
        rows = connection.execute(select(JOURNAL).where(JOURNAL.c.assignment == chapter)).all()
    engine.dispose()
    return rows


def submission_rows(root: Path, chapter: str) -> list[str]:
    from nbgrader.api import Gradebook

    from autograder.gradebook import course_db_url, course_id

    with Gradebook(course_db_url(root), course_id(root)) as gb:
        return sorted(s.student_id for s in gb.assignment_submissions(chapter))


@pytest.fixture
def small_class(tmp_path):
    root = copy_course(tmp_path, built=True)
    keep_samples(root, CHAPTER, SMALL)
    autograder(root, "sample", CHAPTER)
    return root


def test_a_second_run_grades_only_what_changed(small_class):
    root = small_class
    first = autograder(root, "grade", CHAPTER, "--workers", "2")
    assert "this run: 3 graded, 0 failed" in first.stdout, first.stdout
    again = autograder(root, "grade", CHAPTER, "--workers", "2")
    assert "this run: 0 graded, 0 failed, 0 flagged, 3 already graded" in again.stdout, again.stdout
    # A student submits again: that submission alone is graded.
    import nbformat

    path = root / "submitted" / "dan_factor_two" / CHAPTER / "numerical.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "central_difference":
            cell.source = cell.source.replace("/ h", "/ (2 * h)")
    nbformat.write(notebook, path)
    changed = autograder(root, "grade", CHAPTER, "--workers", "2")
    assert "this run: 1 graded, 0 failed, 0 flagged, 2 already graded" in changed.stdout, changed.stdout
    forced = autograder(root, "grade", CHAPTER, "--force", "--workers", "1")
    assert "this run: 3 graded" in forced.stdout
    assert submission_rows(root, CHAPTER) == sorted(SMALL)
    assert sorted(row.student for row in journal(root, CHAPTER)) == sorted(SMALL)


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


def test_kernels_forked_one_after_another_share_nothing(tmp_path):
    """One worker, one fork server: the second student's kernel sees nothing of the first.
    (A course never built: the first `grade` puts the chapter in the gradebook itself.)"""
    root = copy_course(tmp_path)
    keep_samples(root, CHAPTER, set())
    (root / "samples" / CHAPTER / "a_leaker.py").write_text(LEAKER)
    (root / "samples" / CHAPTER / "b_checker.py").write_text(CHECKER)
    autograder(root, "sample", CHAPTER)
    autograder(root, "grade", CHAPTER, "--workers", "1")
    from autograder.scores import read_scores

    rows = {r.student: r for r in read_scores(root, CHAPTER)[2]}
    assert rows["a_leaker"].scores["forward_difference"] == 3.0
    assert rows["b_checker"].scores["forward_difference"] == 3.0, rows["b_checker"].cells


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


def test_postgresql_gradebook_with_graders_writing_at_once(tmp_path, postgres):
    """Two graders grade the same chapter into one PostgreSQL gradebook at the same
    time (a third grades another chapter): every submission once, scores as declared."""
    root = copy_course(tmp_path)
    url = postgres.database()
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    other = "03_forward"
    keep_samples(root, CHAPTER, SMALL)
    others = {"instructor", "untouched"}
    keep_samples(root, other, others)
    autograder(root, "build", CHAPTER, other)
    autograder(root, "sample", CHAPTER)
    autograder(root, "sample", other)
    command = [sys.executable, "-m", "autograder", "--root", str(root), "grade"]
    graders = [subprocess.Popen(command + [CHAPTER, "--force", "--workers", "1", "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    graders.append(subprocess.Popen(command + [other, "--workers", "1", "--no-progress"],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [g.communicate(timeout=900)[0] for g in graders]
    assert [g.returncode for g in graders] == [0, 0, 0], "\n\n".join(outputs)
    assert submission_rows(root, CHAPTER) == sorted(SMALL)
    assert submission_rows(root, other) == sorted(others)
    assert sorted(r.student for r in journal(root, CHAPTER)) == sorted(SMALL)
    assert_graded_as_declared(root, CHAPTER, SMALL)
    assert_graded_as_declared(root, other, others)
    report = autograder(root, "report", CHAPTER)
    assert "ada_complete" in report.stdout
