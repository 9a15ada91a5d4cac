"""The local pool of grading workers: a crash is charged to the submission that caused
it, interrupts propagate, and workers that cannot start fail the batch at once."""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass

import pytest

from autograder.course import CourseError
from autograder.grading import _run_local


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
    outcomes = list(_run_local(jobs, 2, grade_one=grade_or_die, initializer=None))
    students = [job.student for job, _ in outcomes]
    assert sorted(students) == sorted(j.student for j in jobs), "each job once"
    for job, outcome in outcomes:
        if job.student.startswith("killer"):
            assert isinstance(outcome, RuntimeError) and "died twice" in str(outcome), outcome
        else:
            assert outcome == f"graded {job.student}", (job, outcome)


def test_workers_that_cannot_start_fail_the_batch_at_once_with_a_reason():
    with pytest.raises(CourseError, match="the grading workers could not start"):
        list(_run_local([FakeJob("a"), FakeJob("b")], 2, grade_one=grade_or_die, initializer=no_start))


def test_a_worker_with_a_weaker_sandbox_or_a_failed_preload_is_printed_once(capsys):
    from autograder.grading import Batch, _report_weakening
    from autograder.worker import Result

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
