"""Chapter 08: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake). The bounds the contract
sets are each shown to fail an answer that breaks only that bound: f called twice, the full tape,
its copies, every state recomputed from x_0, tracing stopped."""
from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from adcourse import higher_order as ho
from adcourse.matrix_calculus import sigmoid
from autograder.cases import salted
from autograder.reference import higher_order as ref

from . import hidden_calls

CHAPTER = "08_higher_order"
NAMES = ["hvp", "hessian", "newton_logistic", "checkpointed_grad", "tape_memory"]


def sample(student: str) -> dict:
    """The names a sample's answers define, run on the notebook's imports, the reference
    standing in for the answers it leaves as they are."""
    namespace = {"np": np, "math": math, "tracemalloc": tracemalloc, "sigmoid": sigmoid,
                 **{name: getattr(ho, name) for name in ho.__all__},
                 **{name: getattr(ref, name) for name in NAMES}}
    return hidden_calls.sample(CHAPTER, student, namespace)


def run(name: str, answers: dict) -> None:
    return hidden_calls.run(CHAPTER, f"test_{name}_hidden", answers)


def failure(name: str, answer) -> str:
    return hidden_calls.failure(CHAPTER, name, answer)


@pytest.mark.parametrize("salt", [None, "another student"])
@pytest.mark.parametrize("student", ["kai_alternative", "lia_alternative"])
@pytest.mark.parametrize("name", NAMES)
def test_right_answers_written_differently_pass(name, student, salt):
    """On the hidden tests' inputs, and on those another student is given."""
    with salted(salt):
        assert run(name, sample(student)) is None


def _gradient(f, z):
    zs = [ho.Var(a) for a in z]
    f(zs).backward()
    return np.array([zi.grad for zi in zs])


def test_a_difference_of_gradients_is_refused_for_its_two_calls_of_f():
    def hvp(f, x, v):
        return (_gradient(f, x + 1e-6 * v) - _gradient(f, x - 1e-6 * v)) / 2e-6
    assert "called f 2 times: forward over reverse calls f once" in failure("hvp", hvp)


def test_the_hessian_times_v_is_refused_for_its_n_calls_of_f():
    def hvp(f, x, v):
        return ref.hessian(f, x) @ v
    message = failure("hvp", hvp)
    assert "called f 5 times" in message or "called f 8 times" in message


def test_duals_returned_instead_of_numbers_are_named():
    def hvp(f, x, v):
        xs = [ho.Var(ho.Dual(a, b)) for a, b in zip(x, v)]
        f(xs).backward()
        return [xi.grad for xi in xs]
    assert "returned Dual objects, not numbers: H v is an array of floats" in failure("hvp", hvp)


def test_a_hessian_by_two_sided_differences_of_gradients_is_refused():
    def hessian(f, x):
        return np.column_stack([(_gradient(f, x + 1e-5 * e) - _gradient(f, x - 1e-5 * e)) / 2e-5
                                for e in np.eye(len(x))])
    assert "the Hessian by n Hessian-vector products calls f once for each column" in failure("hessian", hessian)


def test_newton_that_modifies_x_or_returns_too_few_losses_is_told():
    def in_place(X, y, steps=10, ridge=1e-6):
        X -= X.mean(axis=0)
        return ref.newton_logistic(X, y, steps, ridge)

    def short(X, y, steps=10, ridge=1e-6):
        w, losses = ref.newton_logistic(X, y, steps, ridge)
        return w, losses[1:]
    assert "modified X or y in place" in failure("newton_logistic", in_place)
    assert "one loss for each of w_0, ..., w_steps" in failure("newton_logistic", short)


def _full_tape(step, dstep, x0, n, every):
    return ho.full_tape_grad(step, dstep, x0, n)


def test_the_full_tape_is_refused_for_the_states_it_holds():
    message = failure("checkpointed_grad", _full_tape)
    assert "held 101 states at once for n = 100, every = 10" in message and "at most 22" in message


def test_copies_of_every_state_are_refused_for_their_bytes():
    """Copies are not what step returned, so no weak reference follows them; tracemalloc
    sees their bytes."""
    def copies(step, dstep, x0, n, every):
        tape, x = [np.array(x0, copy=True)], x0
        for _ in range(n):
            x = step(x)
            tape.append(x.copy() if np.ndim(x) else x)
        tape.pop()
        g = np.ones_like(np.asarray(x, dtype=float)) if np.ndim(x) else 1.0
        while tape:
            g = dstep(tape.pop(), g)
        return g, x
    message = failure("checkpointed_grad", copies)
    assert "at its peak for n = 100, every = 10, states of 4096 bytes" in message
    assert "(copies of states count too)" in message


def test_recomputing_every_state_from_x0_is_refused_for_its_steps():
    def from_x0(step, dstep, x0, n, every):
        x = x0
        for _ in range(n):
            x = step(x)
        g = np.ones_like(np.asarray(x, dtype=float)) if np.ndim(x) else 1.0
        for k in reversed(range(n)):
            state = x0
            for _ in range(k):
                state = step(state)
            g = dstep(state, g)
        return g, x
    assert "called step 5050 times for n = 100, every = 10" in failure("checkpointed_grad", from_x0)


def test_stopping_tracemalloc_does_not_hide_the_bytes():
    def stops(step, dstep, x0, n, every):
        tracemalloc.stop()
        return ref.checkpointed_grad(step, dstep, x0, n, every)
    assert "an unknown number of bytes (tracing was stopped)" in failure("checkpointed_grad", stops)


def test_the_pair_of_tape_memory_is_judged_by_its_growth():
    def constant(n):
        return 1000, 10

    def linear_both(n):
        return 1000 * n, 100 * n
    assert "the full tape's peak grew x1.00" in failure("tape_memory", constant)
    message = failure("tape_memory", linear_both)
    assert "the checkpointed peak grew x4.00 and x4.00" in message and "full tape's peak grew" not in message
    assert "two positive numbers of bytes" in failure("tape_memory", lambda n: (0, 0))
    assert "not a pair (full, checkpointed)" in failure("tape_memory", lambda n: 5)
