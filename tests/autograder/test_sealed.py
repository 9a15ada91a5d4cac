"""The grader's proxies for a student's objects, without a kernel."""
from __future__ import annotations

import numpy as np

from autograder.sealed import Remote


class RecordingBridge:
    """Answers every request with the operation it was asked for."""

    def encode(self, value):
        return value

    def request(self, request):
        return (request["op"], request.get("name"), request.get("reflected")), None


def test_an_array_on_the_left_defers_to_the_students_reflected_operator():
    tensor = Remote(RecordingBridge(), {"$h": 1}, "your `Tensor`")
    assert np.ones(3) @ tensor == ("binary", "matmul", True)
    assert np.ones(3) + tensor == ("binary", "add", True)
    assert tensor * np.ones(3) == ("binary", "mul", False)


def test_a_test_that_failed_at_its_place_runs_again_unless_it_took_its_whole_time():
    from autograder.sealed import GraderTimeLimit, KernelUnavailable, RemoteError, judged_again

    assert judged_again(RemoteError("NameError", "name 'exp' is not defined"))
    assert judged_again(AssertionError("3 of 44 cases failed: `Dual` raised NameError: name 'exp' is not defined"))
    assert not judged_again(AssertionError("a visible check: expected 2, got 3"))
    assert not judged_again(None)
    assert not judged_again(RemoteError("TimeLimitExceeded", "did not finish within 5 s"))
    assert not judged_again(AssertionError("case 2 raised TimeLimitExceeded; case 3: NameError"))
    assert not judged_again(KernelUnavailable("the kernel died"))
    assert not judged_again(GraderTimeLimit("checking took too long"))
