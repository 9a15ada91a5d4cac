"""The coordinator's record of what grading code a result came from."""
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
