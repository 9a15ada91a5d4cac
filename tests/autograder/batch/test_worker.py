"""The local pool of grading workers: a crash is charged to the submission that caused
it, interrupts propagate, and workers that cannot start fail the batch at once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from autograder.course import CourseError
from autograder.batch.pools import run_local


@dataclass
class FakeJob:
    student: str


def grade_or_die(job: FakeJob):
    """Grades every job, but the worker grading `killer` dies (as if the OOM killer struck)."""
    if job.student.startswith("killer"):
        os.kill(os.getpid(), signal.SIGKILL)
    return f"graded {job.student}"


def no_start():
    os._exit(3)


def test_a_crash_is_charged_to_the_submission_that_caused_it_and_no_other():
    jobs = [FakeJob(name) for name in ("a", "b", "killer", "c", "d", "e", "killer2", "f")]
    outcomes = list(run_local(jobs, 2, grade_one=grade_or_die, initializer=None))
    students = [job.student for job, _ in outcomes]
    assert sorted(students) == sorted(j.student for j in jobs), "each job once"
    for job, outcome in outcomes:
        if job.student.startswith("killer"):
            assert isinstance(outcome, RuntimeError) and "died twice" in str(outcome), outcome
        else:
            assert outcome == f"graded {job.student}", (job, outcome)


def test_workers_that_cannot_start_fail_the_batch_at_once_with_a_reason():
    with pytest.raises(CourseError, match="the grading workers could not start"):
        list(run_local([FakeJob("a"), FakeJob("b")], 2, grade_one=grade_or_die, initializer=no_start))


def test_a_worker_with_a_weaker_sandbox_or_a_failed_preload_is_printed_once(capsys):
    from autograder.batch.coordinator import Batch, _report_weakening
    from autograder.batch.worker import Result

    batch = Batch(total=3, sandbox={"landlock": "on (ABI 7)", "seccomp": "on"})
    same = Result("01_numerical", "a", "f", worker="host-a:1", sandbox=dict(batch.sandbox))
    weaker = Result("01_numerical", "b", "f", worker="host-b:2", not_preloaded=["numpy (ImportError)"],
                    sandbox={"landlock": "off: Landlock is not available", "seccomp": "on"})
    for outcome in (same, weaker, weaker):
        _report_weakening(outcome, batch)
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["  sandbox on worker host-b:2: landlock off: Landlock is not available",
                       "  fork server of worker host-b:2 could not preload numpy (ImportError): "
                       "its kernels start slower"], printed


def grade_or_hog(job: FakeJob):
    """Grades every job; grading `hog` asks for 2 GiB (a reply that would blow the grader up)."""
    if job.student.startswith("hog"):
        try:
            block = bytearray(2 << 30)
        except MemoryError:
            return "refused"
        return f"allocated {len(block)} bytes"
    return f"graded {job.student}"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_grading_process_is_held_to_its_memory_cap_and_goes_on(workers):
    import resource

    from autograder.batch.worker import cap_memory

    before = resource.getrlimit(resource.RLIMIT_DATA)
    jobs = [FakeJob(name) for name in ("a", "hog", "b", "c")]
    outcomes = dict((job.student, outcome) for job, outcome in
                    run_local(jobs, workers, grade_one=grade_or_hog, initializer=cap_memory))
    assert outcomes == {"a": "graded a", "hog": "refused", "b": "graded b", "c": "graded c"}
    assert resource.getrlimit(resource.RLIMIT_DATA) == before, "in-process grading puts the limit back"


def test_the_pool_workers_cap_their_memory_before_the_first_job(monkeypatch):
    from autograder.batch import worker
    from autograder.sandbox import forkserver

    started = []
    monkeypatch.setattr(forkserver.ForkServer, "start_if_needed", lambda self: started.append(self))
    import resource

    before = resource.getrlimit(resource.RLIMIT_DATA)
    try:
        worker.warm_up()
        assert resource.getrlimit(resource.RLIMIT_DATA)[0] == worker.WORKER_MEMORY
        assert started, "and then start the fork server"
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, before)


def test_a_kernel_does_not_inherit_the_graders_memory_cap(tmp_path):
    code = ("import resource, sys; from autograder.batch.worker import cap_memory; cap_memory(); "
            "from autograder.sandbox.confine import Policy, enter; "
            f"enter(Policy(workdir={str(tmp_path)!r}, landlock=False, seccomp=False), '', {{}}); "
            "print(resource.getrlimit(resource.RLIMIT_DATA)[0] == resource.getrlimit(resource.RLIMIT_DATA)[1])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True", done.stderr


def test_grading_in_process_caps_only_the_grading_not_what_the_caller_does_between():
    """The coordinator stores each result between submissions: it is never held to a
    worker's cap then (a class of large notebooks must not fail there)."""
    jobs = [FakeJob(name) for name in ("a", "b")]
    stored = []
    for job, outcome in run_local(jobs, 1, grade_one=grade_or_hog, initializer=None):
        # 2 GiB, as if writing many large results: counted by RLIMIT_DATA (a private
        # mapping) though never written to, so refused under the cap and made at once without.
        stored.append(np.empty(2 << 30, dtype=np.uint8))
        stored.clear()
        assert outcome == f"graded {job.student}"


def test_only_a_jobs_private_gradebook_skips_waiting_for_the_disk(tmp_path):
    import tempfile

    from sqlalchemy import create_engine, text

    from autograder.batch import worker

    worker._private_gradebooks_unsynced()

    def synchronous(path) -> int:
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as connection:
                return connection.execute(text("PRAGMA synchronous")).scalar()
        finally:
            engine.dispose()

    with tempfile.TemporaryDirectory(prefix=worker.JOB_PREFIX) as job:
        assert synchronous(f"{job}/gradebook.db") == 0  # OFF: a throwaway copy
    assert synchronous(tmp_path / "gradebook.db") == 2  # FULL, SQLite's default: the course's
    elsewhere = tmp_path / f"{worker.JOB_PREFIX}x"  # the name alone is not enough
    elsewhere.mkdir()
    assert synchronous(elsewhere / "gradebook.db") == 2


def test_a_process_grades_one_job_at_a_time_whatever_its_threads(monkeypatch):
    """A Dask worker runs tasks in threads of one process; nbgrader changes the process's
    working folder while it grades, so each job holds the process while it is graded."""
    from autograder.batch import worker

    held = []

    def lay_out(root, job):
        held.append(worker._ONE_JOB.locked())
        raise OSError("stop here")

    monkeypatch.setattr(worker, "_lay_out", lay_out)
    job = worker.Job("01_numerical", "a", {}, b"", "", "autodiff", "f")
    result = worker.grade_submission(job)
    assert held == [True] and "stop here" in result.error
    assert not worker._ONE_JOB.locked()
