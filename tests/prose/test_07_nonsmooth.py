"""The numbers and claims that chapter 07's prose states, computed as the notebook computes them.

Each test reads the instructor notebook's markdown (solutions/07_nonsmooth), computes the
figure with the course's reference answers (autograder/reference/nonsmooth.py) and helpers
(adcourse.nonsmooth), or by running the notebook's own demo cell, and checks that the text
states what the code gives.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adcourse.nonsmooth import lam_max, lasso_problem  # noqa: E402
from autograder.reference import nonsmooth as ref  # noqa: E402

from .notebooks import flat, graded, notebook  # noqa: E402

CELLS = notebook("07_nonsmooth").cells


#: The teaching text: every markdown cell but the shared one (index 1) and the written answers.
TEACHING = [c.source for i, c in enumerate(CELLS) if c.cell_type == "markdown" and i != 1 and not graded(c)]
TEXT = "\n".join(TEACHING)


def markdown_with(fragment: str) -> str:
    found = [flat(s) for s in TEACHING if fragment in s]
    assert len(found) == 1, f"one markdown cell holds {fragment!r}: {len(found)} do"
    return found[0]


def demo_cell(fragment: str) -> str:
    found = [c.source for c in CELLS if c.cell_type == "code" and not graded(c) and fragment in c.source]
    assert len(found) == 1, f"one demo cell holds {fragment!r}: {len(found)} do"
    return found[0]


def run_demo(fragment: str, **names) -> dict:
    namespace = {"np": np, "plt": plt, **names}
    exec(compile(demo_cell(fragment), f"<chapter 07 cell with {fragment}>", "exec"), namespace)
    plt.close("all")
    return namespace


def test_the_teaching_cells_leave_grading_mechanics_to_the_shared_section():
    lowered = TEXT.lower()
    for phrase in ("hidden test", "visible test", "autograder", "work as in the previous chapters"):
        assert phrase not in lowered, phrase
    intro = markdown_with("# Chapter 7")
    assert "the step $1/L$ when none is given, and FISTA's $t_k$" in intro


def test_no_value_of_relu_prime_at_0_repairs_both_programs():
    text = markdown_with("## 1. What automatic differentiation returns at a kink")
    for phrase in ("= c + c = 2c$", "Choosing $c = 1/2$ would repair $h$",
                   "$\\bar x = \\bar u\\, \\mathrm{relu}'(x) = (c - 1)\\, c = c^2 - c$",
                   "right only for $c = 0$ or $c = 1$, and $h$ is right only for $c = 1/2$",
                   "no value of $\\mathrm{relu}'(0)$ makes the chain rule right for both programs"):
        assert phrase in text, phrase
    demo = run_demo("def g_derivative_by_reverse_mode(x, c=0.0):")
    grid = np.linspace(-2, 2, 4001)   # holds 0
    assert np.array_equal(demo["h"](grid), grid) and np.all(demo["g"](grid) == 0)
    cs = np.linspace(0, 1, 1001)
    h0 = demo["h_derivative_by_ad"](0.0, cs)
    g0 = demo["g_derivative_by_reverse_mode"](0.0, cs)
    assert np.allclose(h0, 2 * cs, atol=1e-15, rtol=0) and np.allclose(g0, cs**2 - cs, atol=1e-15, rtol=0)
    right_for_h, right_for_g = np.isclose(h0, 1.0), np.isclose(g0, 0.0)
    assert list(cs[right_for_h]) == [0.5] and list(cs[right_for_g]) == [0.0, 1.0]
    assert not np.any(right_for_h & right_for_g)
    # Away from 0 both rules give the true derivatives, with PyTorch's and JAX's c = 0.
    away = grid[grid != 0]
    assert np.all(demo["h_derivative_by_ad"](away) == 1) and np.all(demo["g_derivative_by_reverse_mode"](away) == 0)
    # The frameworks' conventions the chapter states.
    assert "PyTorch and JAX both use $\\mathrm{relu}'(0) = 0$" in text
    assert "while JAX returns 1 at 0" in text


def test_clarke_and_conservative_jacobians_are_named_for_non_convex_functions():
    text = markdown_with("**Non-convex functions.**")
    for phrase in ("**Clarke's subdifferential** (Clarke, 1983)", "Bolte and Pauwels (2021)",
                   "**conservative Jacobian**", "equals the gradient at every point outside a set of measure zero",
                   "no line through $(0, 0)$ stays below $-|y|$", "for $-|x|$ at 0 it is $[-1, 1]$"):
        assert phrase in text, phrase
    # No slope g has -|y| >= g y for every y; the limits of gradients of -|x| near 0 are -1 and 1.
    ys = np.linspace(-1, 1, 201)
    assert not any(np.all(-np.abs(ys) >= slope * ys) for slope in np.linspace(-3, 3, 601))
    assert "Conservative set valued fields" in markdown_with("**References.**")


def test_a_fixed_step_bounces_between_two_points_on_either_side_of_0_t_apart():
    text = markdown_with("**Why the subgradient method stalls and oscillates.**")
    assert "between two points on either side of 0 and $t$ apart" in text
    demo = run_demo("def subgradient_descent_1d(x0, steps, schedule):", subgradient_abs=ref.subgradient_abs)
    iterates = demo["subgradient_descent_1d"](0.73, 200, lambda k: 0.1)
    tail = np.round(iterates[20:], 12)
    assert len(set(tail)) == 2
    low, high = sorted(set(tail))
    assert low < 0 < high and abs((high - low) - 0.1) < 1e-12
    shrinking = demo["subgradient_descent_1d"](0.73, 200, lambda k: 0.1 / np.sqrt(k + 1))
    assert np.all(shrinking != 0)   # never exactly on the kink


def test_the_subgradient_methods_bound_is_log_k_over_sqrt_k():
    text = markdown_with("## 6. The subgradient method")
    assert "the best objective is within $O(\\log k/\\sqrt k)$ of $F^\\star$" in text
    assert "the sum of the $t_i^2$ grows like $t_0^2 \\log k$, the sum of the $t_i$ like $2 t_0 \\sqrt{k}$" in text
    assert "$O(\\log k/\\sqrt k)$" in markdown_with("## Summary")
    assert "like $O(1/\\sqrt{k})$" not in TEXT
    for k in (10**4, 10**6):
        i = np.arange(k + 1)
        squares, steps = np.sum(1.0 / (i + 1)), np.sum(1.0 / np.sqrt(i + 1))
        assert abs(squares / np.log(k) - 1) < 0.07 and abs(steps / (2 * np.sqrt(k)) - 1) < 0.01
    # With a bounded G the bound is (R^2 + G^2 sum t^2) / (2 sum t): times sqrt(k) / log(k) it stays bounded.
    ks = np.array([10**2, 10**4, 10**6])
    bound = [(1 + np.sum(1.0 / (np.arange(k + 1) + 1))) / (2 * np.sum(1.0 / np.sqrt(np.arange(k + 1) + 1)))
             for k in ks]
    assert np.all(np.diff(bound * np.sqrt(ks) / np.log(ks)) < 0)


@pytest.fixture(scope="module")
def section_7():
    """The lasso of section 7 and the three runs the plot draws, as the notebook's cell makes them."""
    source = demo_cell("plot_convergence(ax, methods, A, b, lam, steps=steps, best=best, references=references)")
    assert "lasso_problem(60, 100, 8, 0.1, seed=0, correlation=0.9)" in source
    assert "lam = 0.05 * lam_max(A, b)" in source and "fista(A, b, lam, steps=5000)" in source
    assert "step0=1 / L" in source and "steps = 500" in source
    A, b, _ = lasso_problem(60, 100, 8, 0.1, seed=0, correlation=0.9)
    lam = 0.05 * lam_max(A, b)
    L = np.linalg.norm(A, 2) ** 2
    x_star, long_run = ref.fista(A, b, lam, steps=5000)
    best = float(np.min(long_run))
    runs = {"ista": ref.ista(A, b, lam, steps=500)[1], "fista": ref.fista(A, b, lam, steps=500)[1],
            "subgradient": ref.subgradient_method(A, b, lam, steps=500, step0=1 / L)[1]}
    return {"L": L, "R2": float(x_star @ x_star), "best": best, "runs": runs, "A": A, "b": b, "lam": lam}


def slope(gap, first, last):
    return np.log(gap[last] / gap[first]) / np.log(last / first)


def test_section_7_states_the_problem_its_cell_solves():
    text = markdown_with("## 7. Three methods on one lasso")
    for phrase in ("60 measurements, 100 unknowns", "correlated 0.9", "8 true nonzeros", "noise 0.1",
                   "$\\lambda = 0.05\\,\\lambda_{\\max}$", "running your FISTA for 5000 steps",
                   "$t_0 = 1/L$", "ISTA's bound $L\\|x^\\star\\|^2/(2k)$ (slope $-1$)",
                   "FISTA's bound $2L\\|x^\\star\\|^2/(k+1)^2$ (slope $-2$)", "a line $C/\\sqrt k$ (slope $-1/2$)"):
        assert phrase in text, phrase


def test_the_convergence_plot_shows_what_its_prose_says(section_7):
    text = markdown_with("What the plot shows, over these 500 steps.")
    gaps = {name: objectives - section_7["best"] for name, objectives in section_7["runs"].items()}
    k = np.arange(1, 501)
    L, R2 = section_7["L"], section_7["R2"]
    # "ISTA's gap stays below its bound, and its slope steepens to about -1"
    assert "ISTA's gap stays below its bound, and its slope steepens to about $-1$" in text
    assert np.all(gaps["ista"][1:] <= L * R2 / (2 * k))
    assert slope(gaps["ista"], 10, 100) > slope(gaps["ista"], 100, 500)
    assert -1.25 < slope(gaps["ista"], 100, 500) < -0.9
    # "nothing here shows a faster, linear phase": far from the slope -a k of a linear rate
    assert "nothing here shows a faster, linear phase" in text and "turning linear" not in TEXT
    assert slope(gaps["ista"], 250, 500) > -1.5
    # "FISTA's gap falls far below its bound and steeper than -2 ..., with ripples"
    assert "FISTA's gap falls far below its bound and steeper than $-2$ over the last few hundred steps" in text
    assert np.all(gaps["fista"][1:] <= 2 * L * R2 / (k + 1) ** 2)
    assert gaps["fista"][500] < 0.01 * 2 * L * R2 / 501**2
    assert slope(gaps["fista"], 100, 500) < -2
    assert np.sum(np.diff(section_7["runs"]["fista"]) > 0) > 0
    assert np.sum(np.diff(section_7["runs"]["ista"]) > 0) == 0
    # "The subgradient method's gap falls more slowly than 1/sqrt(k) and ends an order of magnitude above ISTA's"
    assert "falls more slowly than $1/\\sqrt k$ and ends an order of magnitude above ISTA's" in text
    assert slope(gaps["subgradient"], 10, 100) > -0.5 and slope(gaps["subgradient"], 100, 500) > -0.5
    assert np.all(gaps["subgradient"][1:] >= gaps["subgradient"][1] / np.sqrt(k) * (1 - 1e-12))
    assert 5 < gaps["subgradient"][500] / gaps["ista"][500] < 50


def test_the_proximal_methods_reach_exact_zeros_and_the_subgradient_method_none(section_7):
    text = markdown_with("The proximal methods' iterates have exact zeros")
    assert "FISTA's iterate has\nthe support of $x^\\star$" in text or "FISTA's iterate has the support" in " ".join(text.split())
    A, b, lam = section_7["A"], section_7["b"], section_7["lam"]
    ista, fista = ref.ista(A, b, lam, steps=500)[0], ref.fista(A, b, lam, steps=500)[0]
    assert np.sum(ista == 0) > 50 and np.sum(fista == 0) > 50
    assert np.sum(ref.subgradient_method(A, b, lam, steps=500, step0=1 / section_7["L"])[0] == 0) == 0
    support = ref.fista(A, b, lam, steps=5000)[0] != 0
    assert np.array_equal(fista != 0, support)  # FISTA has x*'s support after 500 steps
    assert np.any((ista != 0) & ~support)  # ISTA also keeps coordinates that x* sets to 0


def test_the_text_keeps_the_contract_of_ista_and_fista():
    ista = markdown_with("**Exercise `ista`.**")
    assert "($1/L$ when `step` is None)" in ista and "start at $x_0 = 0$" in ista
    fista = markdown_with("## 5. Acceleration: FISTA")
    for phrase in ("$x_0 = y_1 = 0$ and $t_1 = 1$",
                   "x_k = \\operatorname{prox}_{s\\lambda\\|\\cdot\\|_1}\\big(y_k - s\\nabla f(y_k)\\big)",
                   "t_{k+1} = \\frac{1 + \\sqrt{1 + 4t_k^2}}{2}",
                   "y_{k+1} = x_k + \\frac{t_k - 1}{t_{k+1}}\\,(x_k - x_{k-1})"):
        assert phrase in fista, phrase


def test_the_summary_names_where_the_ideas_live_in_pytorch_and_jax():
    summary = markdown_with("## Summary")
    assert "**In PyTorch and JAX.**" in summary
    for api in ("torch.relu", "jax.nn.relu", "jax.custom_jvp", "torch.abs", "jax.numpy.abs",
                "torch.autograd.Function", "torch.nn.functional.softshrink", "torch.no_grad()",
                "jaxopt.ProximalGradient", "jaxopt.prox.prox_lasso", "torch.optim.SGD", "jax.grad"):
        assert f"`{api}" in summary, api
    # soft-thresholding is what softshrink computes: the reference's prox
    x = np.array([-2.0, -0.3, 0.0, 0.4, 1.5])
    assert np.array_equal(ref.soft_threshold(x, 0.5), np.where(np.abs(x) > 0.5, x - 0.5 * np.sign(x), 0.0))
