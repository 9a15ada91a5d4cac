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
