"""Chapter 08's engines: Dual arithmetic against SymPy's derivatives, Var's reverse pass
against central differences, and Vars of Duals (nested) against SymPy's second derivatives."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adcourse import higher_order as ho

t = sp.Symbol("t")
#: One-variable programs written once for the engine and for SymPy (module m).
PROGRAMS = [
    lambda a, m: 3 - a * 2 + 1 / a,
    lambda a, m: (a + 1) / (a * a - 4) - 2 / (1 + a),
    lambda a, m: a ** 3 - a ** 0.5 + 2 ** 2 * a,
    lambda a, m: m.sin(a) * m.cos(2 * a) - m.exp(-a),
    lambda a, m: m.log(1 + a * a) * m.tanh(a) / 3,
]


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_dual_numbers_give_sympys_first_derivative(program, x):
    got = program(ho.Dual(x, 1.0), ho)
    expr = program(t, sp)
    assert got.value == pytest.approx(float(expr.subs(t, x)), rel=1e-13)
    assert got.tangent == pytest.approx(float(sp.diff(expr, t).subs(t, x)), rel=1e-12)


@pytest.mark.parametrize("program", PROGRAMS)
def test_var_gives_the_derivative_and_var_of_dual_the_second(program):
    x = 0.8
    expr = program(t, sp)
    a = ho.Var(x)
    program(a, ho).backward()
    h = 1e-6
    approx = (program(x + h, ho) - program(x - h, ho)) / (2 * h)
    assert a.grad == pytest.approx(approx, rel=1e-7)
    b = ho.Var(ho.Dual(x, 1.0))
    program(b, ho).backward()
    assert b.grad.tangent == pytest.approx(float(sp.diff(expr, t, 2).subs(t, x)), rel=1e-11)


def test_backward_visits_shared_nodes_once_and_twice_gives_the_same():
    a = ho.Var(2.0)
    s = a * a
    out = s * s + s  # a^4 + a^2: 4 a^3 + 2 a = 36
    out.backward()
    assert a.grad == 36.0
    out.backward()
    assert a.grad == 36.0


def test_a_deep_chain_needs_no_recursion():
    a = ho.Var(1.0)
    out = a
    for _ in range(5000):
        out = out * 1.0 + 0.0
    out.backward()
    assert a.grad == 1.0


def test_helpers_and_refusals():
    assert ho.value_of(ho.Dual(2.0, 3.0)) == 2.0 and ho.tangent_of(5.0) == 0.0
    with pytest.raises(TypeError, match="exp"):
        ho.Var(2.0) ** ho.Var(1.0)
    assert isinstance(ho.sin(np.float64(0.5)), float)


# --- the memory section's helpers -------------------------------------------------------------

def test_the_counted_recurrence_counts_states_steps_and_their_order():
    counted = ho.CountedRecurrence()
    x0 = counted.born(ho.recurrence_start(8))
    grad, x_n = ho.full_tape_grad(counted.step, counted.dstep, x0, 5)
    assert counted.steps == 5 and counted.most == 6  # x_0 to x_5, alive at the first dstep
    assert [call for call, _ in counted.timeline] == ["step"] * 5 + ["dstep"] * 5
    assert [alive for _, alive in counted.timeline][:5] == [1, 2, 3, 4, 5]
    del grad, x_n, x0
    assert counted.alive == 0


@pytest.mark.parametrize("n, every", [(40, 1), (40, 6), (40, 40)])
def test_the_timeline_of_checkpointing_rises_and_falls_within_its_bound(n, every):
    from autograder.reference import higher_order as ref
    alive, steps = ho.alive_timeline(ref.checkpointed_grad, n, every)
    assert len(alive) == steps + n  # every call of step and of dstep, n of them dstep
    assert max(alive) <= -(-n // every) + min(every, n) + 2
    if every == 1:
        assert max(alive) == n + 1 and steps == n  # the full tape: x_0 to x_n, none recomputed


def test_the_explorer_redraws_when_every_moves():
    pytest.importorskip("ipywidgets")
    from autograder.reference import higher_order as ref
    box = ho.checkpoint_explorer(ref.checkpointed_grad, n=30)
    slider, image = box.children
    first = image.value
    slider.value = 2
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and image.value != first


def _reverse(step, dstep, x, n, c, g, counts):
    """Reverse n steps from the state x with c checkpoints (x's own included), splitting
    where `revolve_cost`'s recurrence says: advance m steps, keep x_m, reverse the last
    n - m with c - 1, then the first m with c. Counts the calls of step and the states
    kept at once."""
    counts["kept"] = max(counts["kept"], counts["held"] + 1)
    if n == 0:
        return g
    if n == 1:
        return dstep(x, g)
    if c == 1:
        for k in range(n - 1, -1, -1):
            y = x
            for _ in range(k):
                y = step(y)
            g = dstep(y, g)
        return g
    m = min(range(1, n), key=lambda m: m + ho.revolve_cost(n - m, c - 1) + ho.revolve_cost(m, c))
    y = x
    for _ in range(m):
        y = step(y)
    counts["held"] += 1
    g = _reverse(step, dstep, y, n - m, c - 1, g, counts)
    counts["held"] -= 1
    return _reverse(step, dstep, x, m, c, g, counts)


@pytest.mark.parametrize("n, c", [(1, 1), (7, 1), (10, 2), (20, 3), (35, 3), (56, 3), (57, 3), (40, 5)])
def test_a_schedule_on_revolves_splits_reverses_with_its_cost_and_the_binomial_formula(n, c):
    """The recurrence's split, run: the true gradient (the full tape's), exactly
    revolve_cost(n, c) calls of step beyond the first sweep, at most c states kept; and
    Griewank's closed form equals the recurrence."""
    steps = [0]

    def step(x):
        steps[0] += 1
        return ho.recurrence_step(x)
    x0 = ho.recurrence_start(4, seed=n)
    counts = {"held": 0, "kept": 0}
    grad = _reverse(step, ho.recurrence_vjp, x0, n, c, np.ones(4), counts)
    np.testing.assert_allclose(grad, ho.full_tape_grad(ho.recurrence_step, ho.recurrence_vjp, x0, n)[0], rtol=1e-13)
    assert steps[0] == ho.revolve_cost(n, c) == ho.binomial_cost(n, c)[0]
    assert counts["kept"] <= c


def test_the_binomial_formula_equals_the_recurrence_and_its_repeats_bound_n():
    for n in range(0, 70):
        for c in range(1, 7):
            cost, r = ho.binomial_cost(n, c)
            assert cost == ho.revolve_cost(n, c), (n, c)
            assert math.comb(c + r, c) >= n and (r == 0 or math.comb(c + r - 1, c) < n)
    with pytest.raises(ValueError, match="at least one checkpoint"):
        ho.binomial_cost(5, 0)
