"""The hidden tests of chapter 08_higher_order (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import higher_order as cases
from autograder.checking import compare


def test_hvp_hidden(hvp):
    """`hvp` against the reference on the engine functions of SECOND at random points and
    directions, f called once (forward over reverse); at most 20 s per call."""
    compare(hvp, "higher_order.hvp", cases.hvp_cases(seed=801), policy="exact", harness=cases.hvps, seconds=20)


def test_hessian_hidden(hessian):
    """`hessian` against the reference on the engine functions of SECOND, f called n times
    (one Hessian-vector product per column); at most 20 s per call."""
    compare(hessian, "higher_order.hessian", cases.hessian_cases(seed=802), policy="exact",
            harness=cases.hessians, seconds=20)


def test_newton_logistic_hidden(newton_logistic):
    """`newton_logistic` against the reference on chapter 05's data: Newton's iterates from
    w_0 = 0 and the losses along them; at most 20 s per call."""
    compare(newton_logistic, "higher_order.newton_logistic", cases.newton_cases(seed=803), policy="iterates",
            harness=cases.newton_harness, seconds=20)


def test_checkpointed_grad_hidden(checkpointed_grad):
    """`checkpointed_grad` against the reference on the chapter's recurrence, within the
    contract's bounds on the states kept, the bytes allocated and the steps recomputed;
    at most 20 s per call."""
    compare(checkpointed_grad, "higher_order.checkpointed_grad", cases.checkpoint_cases(seed=804),
            policy="exact", harness=cases.checkpointing, seconds=20)


def test_tape_memory_hidden(tape_memory):
    """`tape_memory` at n, 4n and 16n: the full tape's peak grows like n, the checkpointed
    one like sqrt(n), and the second is far below the first; at most 30 s per call."""
    compare(tape_memory, "higher_order.tape_memory", cases.tape_lengths(seed=805), policy="exact",
            harness=cases.memory_scaling, seconds=30)
