"""The coordinator: its record of what grading code a result came from, and how many workers a
batch starts."""
from __future__ import annotations

from autograder.batch.coordinator import grader_files


def test_the_grader_digest_covers_every_module_that_decides_a_grade():
    """A result is reused only for the same grading code: the digest reads the whole
    package (the hidden tests, the references and cases, sealed execution, the sandbox,
    the batch) and the student-side package, not only the coordinator's folder."""
    names = set(grader_files())
    assert {"autograder/execute.py", "autograder/sealed/_bridge.py", "autograder/hidden/reverse.py",
            "autograder/reference/forward.py", "autograder/cases/nonsmooth.py",
            "autograder/sandbox/confine.py", "autograder/batch/worker.py",
            "adcourse/remote.py", "adcourse/checking.py"} <= names
    assert all(name.startswith(("autograder/", "adcourse/")) for name in names)


def test_a_small_batch_starts_fewer_workers_than_the_machine_has_cores(monkeypatch):
    """Without --workers: one worker per JOBS_PER_WORKER submissions, at most the cores."""
    from autograder.batch import coordinator

    monkeypatch.setattr(coordinator.os, "cpu_count", lambda: 4)
    per = coordinator.JOBS_PER_WORKER
    assert [coordinator.default_workers(n) for n in (0, 1, per, per + 1, 2 * per, 2 * per + 1, 300)] \
        == [1, 1, 1, 2, 2, 3, 4]
    monkeypatch.setattr(coordinator.os, "cpu_count", lambda: None)
    assert coordinator.default_workers(300) == 1
