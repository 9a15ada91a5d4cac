"""The numbers and claims that chapter 09's prose states, computed as the notebook computes them.

The instructor notebook's code cells (solutions/09_frameworks) run here once, in order, in
one namespace, with what each printed kept; each test checks that the text states what the
code gives. PyTorch's cells run too: the course's test environment installs PyTorch (the
`torch` extra), so the table's PyTorch figures are checked against PyTorch itself. Times are
never asserted.
"""
from __future__ import annotations

import contextlib
import io
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adcourse.functions import JACOBIAN  # noqa: E402
from adcourse.functions.frameworks import map_matrix  # noqa: E402

from .notebooks import flat, graded, notebook  # noqa: E402

CELLS = notebook("09_frameworks").cells
TEACHING = [c.source for i, c in enumerate(CELLS) if c.cell_type == "markdown" and i != 1 and not graded(c)]
TEXT = flat("\n".join(TEACHING))
(WRITTEN,) = [flat(c.source) for c in CELLS if c.cell_type == "markdown" and graded(c)]


@pytest.fixture(scope="module")
def ran():
    """[(source, printed)] of every code cell but the test cells, run in order in one namespace."""
    namespace, out = {}, []
    for cell in CELLS:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(cell.source, "<cell>", "exec"), namespace)
        plt.close("all")
        out.append((cell.source, printed.getvalue()))
    return out


def printed_by(ran, fragment: str) -> str:
    found = [p for s, p in ran if fragment in s]
    assert len(found) == 1, f"one code cell holds {fragment!r}: {len(found)} do"
    return found[0]


def numbers(text: str) -> list[float]:
    return [float(t) for t in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def test_the_softplus_overflow_point_is_the_log_of_the_largest_float(ran):
    assert "$x \\approx 709.78$" in TEXT
    assert round(math.log(np.finfo(float).max), 2) == 709.78
    out = printed_by(ran, "naive = lambda x: jnp.log1p(jnp.exp(x))")
    assert "naive softplus at 710: inf" in out and "derivative at 710: nan" in out
    assert "first x where the naive value is inf: 710.0" in out


def test_every_transformation_agrees_with_the_engines_to_round_off(ran):
    assert "Every row agrees to round-off" in TEXT
    out = printed_by(ran, "checks = [(\"grad vs Var (ch. 4)\"")
    differences = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines()]
    assert len(differences) == 5 and max(differences) < 1e-11


def test_the_tracing_failure_is_a_concretization_error(ran):
    assert "`ConcretizationTypeError`" in TEXT
    assert "chapter 8's sin on a tracer: ConcretizationTypeError" in printed_by(ran, "mixed = SECOND[1]")


def test_the_jacobian_example_has_four_outputs_and_three_inputs(ran):
    assert "has $m = 4$ outputs and $n = 3$ inputs" in TEXT
    assert JACOBIAN[1].shape == (4, 3)
    assert "shape (4, 3)" in printed_by(ran, "F = JACOBIAN[1]")


def test_loop_vmap_and_the_hand_gradient_agree(ran):
    assert "The loop and `vmap` agree to round-off, and so do both with the gradient written out by hand" in TEXT
    out = printed_by(ran, "def loop(loss, params, X, y):")
    first, hand = out.splitlines()[0], out.splitlines()[2]
    assert float(first.rsplit(" ", 1)[1]) < 1e-12 and float(hand.rsplit(" ", 1)[1]) < 1e-12


def test_the_rule_gives_the_second_derivative(ran):
    assert "The second derivative comes for free" in TEXT
    out = printed_by(ran, "stable_values = np.asarray(jax.vmap(stable_softplus)(on))")
    assert "second derivative from the rule, at 0 (sigmoid'(0) = 1/4): 0.25" in out


def test_the_unrolled_derivative_converges_at_the_maps_rate(ran):
    assert "(below the bound $\\|W\\| = 0.6$" in TEXT
    for n in range(1, 9):
        assert np.linalg.norm(map_matrix(n), 2) == pytest.approx(0.6)
    out = printed_by(ran, "by_recursion = [")
    rate = float(re.search(r"spectral radius of dT_dx at x\*: ([\d.]+)", out).group(1))
    at10, at20 = [float(t) for t in re.findall(r"\d\.\de-\d+", out.splitlines()[1])][:2]
    assert rate < 0.6
    # the error shrinks by about rate per iteration between k = 10 and 20
    assert (at20 / at10) ** 0.1 == pytest.approx(rate, rel=0.25)
    implicit_vs_central = float(re.search(r"central difference of x\*\(theta\): (\S+)", out).group(1))
    assert implicit_vs_central < 1e-8


def test_unrolled_ista_tends_to_the_implicit_jacobian(ran):
    assert "tends to the implicit derivative as the iterations" in TEXT
    out = printed_by(ran, "def ista_unrolled(b, steps):")
    gaps = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines() if "ISTA steps" in line]
    assert len(gaps) == 3 and gaps[0] > 1e-6 and gaps[-1] < 1e-12
    assert "rows off the support all zero: True" in out


def test_pytorch_accumulates_as_the_table_says(ran):
    import torch  # the torch extra: the course's tests run PyTorch's cells

    grad = 4 * math.sin(2) + 4 * math.cos(2)
    assert "4\\sin 2 + 4\\cos 2 \\approx 1.972602" in TEXT and f"{grad:.6f}" == "1.972602"
    assert "$2 \\times 1.972602 \\approx 3.945205$" in TEXT and f"{2 * grad:.6f}" == "3.945205"
    out = printed_by(ran, "y = x**2 * torch.sin(x)")
    assert torch.__version__ and "after one backward:  x.grad = 1.972602" in out
    assert "after two backwards: x.grad = 3.945205 (accumulated)" in out
    assert "under no_grad: z.requires_grad = False | x.detach().requires_grad = False" in out
    assert "jax.grad(f)(2.0) = 1.972602" in out


def test_pytorch_and_jax_custom_rules_agree(ran):
    out = printed_by(ran, "class Softplus(torch.autograd.Function):")
    torch_rule = numbers(next(line for line in out.splitlines() if line.startswith("PyTorch custom rule")).split(":", 1)[1])
    jax_rule = numbers(next(line for line in out.splitlines() if line.startswith("JAX custom rule")).split(":", 1)[1])
    np.testing.assert_allclose(torch_rule, jax_rule, rtol=1e-14)
    assert "gradcheck: True" in out
    torch_rows = next(line for line in out.splitlines() if line.startswith("torch.func"))
    jax_rows = next(line for line in out.splitlines() if line.startswith("JAX per-example"))
    assert numbers(torch_rows.split(":", 1)[1]) == numbers(jax_rows.split(":", 1)[1])


def test_checkpointing_gives_the_same_gradient(ran):
    assert "and the same gradient" in TEXT
    out = printed_by(ran, "segment = jax.checkpoint(")
    assert float(out.rsplit(" ", 1)[1]) < 1e-12


def test_the_written_answer_speaks_of_the_question():
    for words in ("500 states", "one linear solve", "stopped early", "support changes"):
        assert words in WRITTEN


def test_a_repelling_fixed_point_has_the_cube_roots_derivative_and_unrolling_runs_away(ran):
    assert "has eigenvalues above 1 there" in TEXT and "the derivative of the cube root, $1/(3x^{*2})$" in TEXT
    out = printed_by(ran, "cube_map, cube_dx, cube_dtheta = FIXED_POINTS[3]")
    lines = out.splitlines()
    assert min(numbers(lines[0].split(":", 1)[1])) > 1
    np.testing.assert_allclose(numbers(lines[1].split(":", 1)[1]), numbers(lines[2].split(":", 1)[1]), rtol=1e-6)
    unrolled = [max(abs(v) for v in numbers(line.split(":", 1)[1])) for line in lines[3:]]
    assert unrolled == sorted(unrolled) and unrolled[-1] > 1e3
