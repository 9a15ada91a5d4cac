"""The numbers and claims that chapter 08's prose states, computed as the notebook computes them.

Each test reads the instructor notebook's markdown (solutions/08_higher_order), computes the
figure with the course's reference answers (autograder/reference/higher_order.py) and helpers
(adcourse.higher_order), or by running the notebook's own demo cell, and checks that the text
states what the code gives. Times are never asserted: where the text speaks of cost, the test
counts nodes, calls and states.
"""
from __future__ import annotations

import contextlib
import io
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adcourse import higher_order as ho  # noqa: E402
from adcourse.functions import SECOND  # noqa: E402
from adcourse.matrix_calculus import logistic_data, sigmoid  # noqa: E402
from autograder.reference import higher_order as ref  # noqa: E402

from .notebooks import flat, graded, notebook  # noqa: E402

CELLS = notebook("08_higher_order").cells
TEACHING = [c.source for i, c in enumerate(CELLS) if c.cell_type == "markdown" and i != 1 and not graded(c)]
TEXT = flat("\n".join(TEACHING))
(WRITTEN,) = [flat(c.source) for c in CELLS if c.cell_type == "markdown" and graded(c)]


def markdown_with(fragment: str) -> str:
    found = [flat(s) for s in TEACHING if fragment in s]
    assert len(found) == 1, f"one markdown cell holds {fragment!r}: {len(found)} do"
    return found[0]


def run_demo(fragment: str, **names) -> tuple[dict, str]:
    """The one demo cell holding `fragment`, run with the reference's answers: its
    namespace and what it printed."""
    (source,) = [c.source for c in CELLS if c.cell_type == "code" and not graded(c) and fragment in c.source]
    namespace = {"np": np, "plt": plt, "math": math, "SECOND": SECOND, "logistic_data": logistic_data,
                 "sigmoid": sigmoid, **{name: getattr(ho, name) for name in ho.__all__},
                 **{name: getattr(ref, name) for name in ("hvp", "hessian", "newton_logistic", "checkpointed_grad",
                                                          "tape_memory")}, **names}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, f"<chapter 08 cell with {fragment}>", "exec"), namespace)
    plt.close("all")
    return namespace, printed.getvalue()


def test_the_teaching_cells_leave_grading_mechanics_to_the_shared_section():
    lowered = TEXT.lower()
    for phrase in ("hidden test", "visible test", "autograder", "grader"):
        assert phrase not in lowered, phrase


def test_the_worked_example_of_forward_over_reverse():
    text = markdown_with("## 1. Forward over reverse")
    assert "$\\nabla f = (2x_0x_1,\\ x_0^2) = (4, 1)$" in text and "so $Hv = (4, 2)$" in text
    _, printed = run_demo("xs = [Var(Dual(1.0, 1.0)), Var(Dual(2.0, 0.0))]")
    assert "gradient (values)  : [4.0, 1.0]" in printed and "H v      (tangents): [4.0, 2.0]" in printed


def _nodes(out) -> int:
    seen, stack = set(), [out]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(parent for parent, _ in node.parents)
    return len(seen)


@pytest.mark.parametrize("n", [2, 5, 20])
def test_an_hvp_has_the_gradients_tape_and_the_hessian_n_of_them(n):
    """"The tape has the same nodes as the gradient's", and "n Hessian-vector products give
    the whole Hessian": counted, not timed."""
    assert "The tape has the same nodes as the gradient's" in markdown_with("## 1. Forward over reverse")
    rosenbrock = SECOND[0]
    x, v = np.linspace(-1, 1, n), np.ones(n)
    plain = rosenbrock([ho.Var(a) for a in x])
    dual = rosenbrock([ho.Var(ho.Dual(a, b)) for a, b in zip(x, v)])
    assert _nodes(plain) == _nodes(dual)
    calls = []
    ref.hessian(lambda z: calls.append(1) or rosenbrock(z), x)
    assert len(calls) == n


def test_newton_takes_5_steps_whatever_the_units_and_gradient_descent_80_then_over_6000():
    text = markdown_with("Newton's method against gradient descent with the step")
    assert "Newton needs 5 steps on both" in text
    assert "it needs about 80 steps, on the second over 6000" in text
    _, printed = run_demo("def descend(X, y, ridge, steps):")
    lines = [line for line in printed.splitlines() if "within 1e-12" in line]
    (newton_1, descent_1), (newton_10, descent_10) = [
        [int(word.rstrip(",")) for word in line.split() if word.rstrip(",").isdigit()][-2:] for line in lines]
    assert newton_1 == newton_10 == 5
    assert 70 <= descent_1 <= 90 and 6000 < descent_10 < 7000


def test_the_states_and_their_bytes():
    text = markdown_with("## 4. The memory of reverse mode")
    assert "a state of 4096 floats (32 KiB)" in text and "$10^6$ steps would need about 33 GB" in text
    assert ho.recurrence_start().nbytes == 4096 * 8 == 32 * 1024
    assert round(10**6 * ho.recurrence_start().nbytes / 1e9) == 33
    assert "for at most $n$ extra calls of `step`, fewer than twice the work of the forward pass" in text
    for n in (100, 97, 1000):
        counted = ho.CountedRecurrence(timeline=False)
        ref.checkpointed_grad(counted.step, counted.dstep, ho.recurrence_start(8), n, round(math.sqrt(n)))
        assert n <= counted.steps <= 2 * n
        assert counted.most <= 2 * math.ceil(math.sqrt(n)) + 2


def test_the_full_tape_climbs_to_n_plus_1_states():
    assert "the full tape (`every = 1`) climbs to $n+1$ states" in TEXT
    alive, steps = ho.alive_timeline(ref.checkpointed_grad, 200, 1)
    assert max(alive) == 201 and steps == 200


def test_memory_grows_like_n_for_the_tape_and_like_sqrt_n_checkpointed():
    assert "the full tape's memory has slope 1 and checkpointing's slope 1/2" in TEXT
    lengths = [64, 256, 1024]
    peaks = np.array([ref.tape_memory(n) for n in lengths], dtype=float)
    slopes = np.diff(np.log(peaks), axis=0).mean(axis=0) / np.log(4)
    assert 0.9 < slopes[0] < 1.1 and 0.35 < slopes[1] < 0.65


def test_the_revolve_table_and_the_figures_the_text_takes_from_it():
    text = markdown_with("For $n = 1000$, $\\sqrt n$ checkpointing holds up to 64 states")
    _, printed = run_demo("disagree = [(n, c) for n in range(1, 61)")
    assert "disagree at no (n, c) with n <= 60, c <= 6" in printed
    assert "up to 64 states, 1967 calls of step" in printed
    assert "and calls `step` 1967 times" in text and "Revolve with the same 64 slots needs 1934" in text
    # the sqrt(n) scheme's calls, counted: its forward sweep (n - 1 as revolve counts) and its segments
    counted = ho.CountedRecurrence(timeline=False)
    ref.checkpointed_grad(counted.step, counted.dstep, ho.recurrence_start(4), 1000, 32)
    assert counted.steps - 1 == 1967 and math.ceil(1000 / 32) + 32 == 64
    assert ho.binomial_cost(1000, 64) == (1934, 2) and ho.binomial_cost(1000, 10) == (3636, 4)
    assert math.comb(13, 10) == 286 and math.comb(14, 10) == 1001 and 4000 - math.comb(14, 11) == 3636
    assert "$\\binom{13}{10} = 286 < 1000 \\le \\binom{14}{10} = 1001$" in text
    assert "a sixth of the memory for fewer than two sweeps more" in text
    assert 10 / 64 < 1 / 6 + 0.01 and 3636 - 1967 < 2 * 1000
    think = markdown_with("*Think.*")
    assert "beats the $\\sqrt n$ scheme's 64 states by only 33 calls" in think and 1967 - 1934 == 33


def test_the_binomial_bound_grows_like_4_to_the_c():
    assert "$\\binom{2c}{c}$ steps, which grows like $4^c$" in TEXT
    ratios = [math.comb(2 * c, c) / math.comb(2 * c - 2, c - 1) for c in (10, 100, 1000)]
    assert all(3.5 < r < 4 for r in ratios) and ratios == sorted(ratios)


def test_the_written_answers_figures():
    assert "$10^6 \\times 80$ MB $= 80$ TB" in WRITTEN and 10**6 * 80e6 == 80e12
    assert "the GPU's 200 states (16 GB)" in WRITTEN and 200 * 80e6 == 16e9
    assert "about 2000 states or 160 GB: still ten times too many" in WRITTEN and 2000 * 80e6 == 160e9
    assert "$\\binom{203}{200} \\approx 1.37\\cdot10^6" in WRITTEN and round(math.comb(203, 200) / 1e4) == 137
    assert "$3\\cdot10^6 - \\binom{203}{201} = 2\\,979\\,497$" in WRITTEN
    assert ho.binomial_cost(10**6, 200) == (2_979_497, 3) == (3 * 10**6 - math.comb(203, 201), 3)
    assert math.comb(202, 200) < 10**6  # r = 2 would not reach 10^6 steps
