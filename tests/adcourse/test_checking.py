"""Visible-test checks and the tolerance policy (the student-side half of the checking API)."""
from __future__ import annotations

import numpy as np
import pytest

from adcourse.checking import CheckFailure, check_close
from adcourse.tolerance import POLICIES, policy


def test_check_close_passes_within_and_fails_outside_the_policy():
    check_close(1.0 + 1e-12, 1.0, "exact", "x")
    with pytest.raises(CheckFailure, match="relative error"):
        check_close(1.0 + 1e-6, 1.0, "exact", "x")
    with pytest.raises(CheckFailure, match="transposed"):
        check_close(np.arange(6.0).reshape(2, 3).T, np.arange(6.0).reshape(2, 3), "exact", "J")


def test_nan_never_passes_and_policies_are_ordered():
    assert not policy("exact").close(np.nan, np.nan)
    assert POLICIES["exact"].rtol < POLICIES["finite_difference"].rtol < POLICIES["first_order"].rtol
    with pytest.raises(KeyError, match="unknown tolerance policy"):
        policy("loose")
