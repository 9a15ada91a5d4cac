"""The numbers and claims that chapter 01's prose states, computed as its cells compute them.

Each test computes a figure with the chapter's own code (adcourse.numerical, the catalogue
and the reference answers) and asserts that the markdown of the instructor notebook states
it, in the cell that discusses it.
"""
from __future__ import annotations

import numpy as np
import pytest

from adcourse import numerical as explore
from adcourse.functions import GRADIENT, SCALAR
from autograder.reference import numerical as ref

from .notebooks import flat as _flat, notebook

NOTEBOOK = notebook("01_numerical")
U = np.finfo(np.float64).eps / 2
SIN = SCALAR[0]
METHODS = {"forward": ref.forward_difference, "central": ref.central_difference,
           "Richardson": ref.richardson, "complex step": ref.complex_step}


def cell(marker: str) -> str:
    """The one teaching markdown cell that contains `marker` (model answers left out)."""
    found = [_flat(c.source) for c in NOTEBOOK.cells if c.cell_type == "markdown"
             and not c.metadata.get("nbgrader") and _flat(marker) in _flat(c.source)]
    assert len(found) == 1, f"{len(found)} markdown cells contain {marker!r}"
    return found[0]


def says(marker: str, *phrases: str) -> None:
    text = cell(marker)
    for phrase in phrases:
        assert _flat(phrase) in text, f"the cell with {marker!r} does not state {phrase!r}"


def sci(value: float, digits: int = 1) -> str:
    """2.1 \\times 10^{-8}: a number as the markdown writes it."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def test_machine_epsilon_and_the_unit_roundoff():
    eps = np.finfo(np.float64).eps
    assert eps == 2.0**-52 and U == 2.0**-53
    assert 1 + eps > 1 and 1 + U == 1  # what the cell of Section 1 prints
    says("## 1. The forward difference", r"\varepsilon = 2^{-52} \approx " + sci(eps),
         r"u = \varepsilon / 2 = 2^{-53} \approx " + sci(U), r"2\sqrt{u} \approx " + sci(2 * np.sqrt(U)))


@pytest.mark.parametrize("label, order", [("forward", 1), ("central", 2), ("Richardson", 4)])
def test_the_closed_form_best_steps_minimise_the_error_models(label, order):
    """h* and E(h*) of the prose are the minimum of the model E(h) (derived with |f(x)|)."""
    d = explore.derivatives(SIN, 1.0)
    f = abs(d[0])
    hs = np.logspace(-10, -1, 200001)
    model = {"forward": hs / 2 * abs(d[2]) + 2 * U * f / hs,
             "central": hs**2 / 6 * abs(d[3]) + U * f / hs,
             "Richardson": hs**4 / 480 * abs(d[5]) + 3 * U * f / hs}[label]
    h, error = explore.predicted_best(label, SIN, 1.0)
    assert hs[np.argmin(model)] == pytest.approx(h, rel=1e-3)
    assert model.min() == pytest.approx(error, rel=1e-6)


def test_the_truncation_constants_and_the_orders():
    x, h = 1.0, 0.02
    assert (ref.forward_difference(np.sin, x, h) - np.cos(x)) / (h / 2 * -np.sin(x)) == pytest.approx(1, rel=0.02)
    assert (ref.central_difference(np.sin, x, h) - np.cos(x)) / (h**2 / 6 * -np.cos(x)) == pytest.approx(1, rel=1e-3)
    assert (ref.richardson(np.sin, x, h) - np.cos(x)) / (-h**4 / 480 * np.cos(x)) == pytest.approx(1, rel=1e-3)
    says("## 4. Richardson extrapolation", r"$-h^4 f^{(5)}(x) / 480 + O(h^6)$")


def test_the_best_steps_and_errors_when_f_and_its_derivatives_have_similar_sizes():
    forward, central, richardson = 2 * np.sqrt(U), (3 * U) ** (1 / 3), (360 * U) ** (1 / 5)
    assert explore.OPTIMAL_STEP == {"forward": forward, "central": central, "Richardson": richardson}
    says("## 1. The forward difference", r"h^* \approx 2\sqrt{u} \approx " + sci(forward))
    says("## 2. The central difference", r"(3u)^{1/3} \approx " + sci(central),
         r"(3u)^{2/3}/2 \approx " + sci(central**2 / 2))
    says("## 4. Richardson extrapolation", r"(360u)^{1/5} \approx " + sci(richardson),
         "an error of about $" + sci(richardson**4 / 96) + "$ times")
    says("## Summary", r"$2\sqrt{u} \approx " + sci(forward) + r"$; $\approx " + sci(2 * np.sqrt(U)),
         r"$(3u)^{1/3} \approx " + sci(central) + r"$; $\approx " + sci(central**2 / 2),
         r"$(360u)^{1/5} \approx " + sci(richardson) + r"$; $\approx " + sci(richardson**4 / 96))


def test_the_step_actually_taken_at_x_100():
    x, h = 100.0, 1e-8
    taken = (x + h) - x
    rise = np.sin(x + h) - np.sin(x)
    by_h, by_taken = abs(rise / h - np.cos(x)), abs(rise / taken - np.cos(x))
    assert by_h / by_taken > 100
    says("At $x = 100$ the step taken", "differs from $h$ by a relative $" + sci((h - taken) / h) + "$",
         r"$u|x|/h$ is $" + sci(U * x / h) + "$", "more than a hundred times more accurate")


def test_the_plot_for_sin_at_1():
    rows = {row["method"]: row for row in explore.step_error_table(METHODS, SIN, 1.0)}
    text = cell("For $\\sin$ at $x = 1$ the model's best steps")
    for label in ("forward", "central", "Richardson"):
        row = rows[label]
        assert sci(row["model h"]) in text, (label, sci(row["model h"]))
        assert row["model h"] / 10 < row["measured h"] < row["model h"] * 10, row
        assert row["measured error"] < row["model error"], row
    flat = rows["complex step"]
    assert flat["model h"] is None and flat["measured h"] is None
    assert explore.FLAT_BELOW == 1e-8 and flat["flat error"] <= np.spacing(np.cos(1.0)), flat
    assert "for every $h \\le 10^{-8}$ its error is at most $" + sci(flat["flat error"]) + "$" in text
    assert sci(np.spacing(np.cos(1.0))) == sci(flat["flat error"]), "one unit in the last place"
    assert len(explore.HS) == 151 and "the smallest of 151 noisy values" in text


def test_the_slopes_of_the_arms_and_the_coinciding_curves():
    hs = np.logspace(-3, -1, 21)
    for label, slope in (("forward", 1), ("central", 2), ("complex step", 2)):
        errors = explore.errors_over_steps(METHODS[label], SIN, 1.0, hs)
        assert np.polyfit(np.log(hs), np.log(errors), 1)[0] == pytest.approx(slope, abs=0.05), label
    hs = np.logspace(-1.5, -0.5, 21)
    errors = explore.errors_over_steps(ref.richardson, SIN, 1.0, hs)
    assert np.polyfit(np.log(hs), np.log(errors), 1)[0] == pytest.approx(4, abs=0.1)
    left = np.logspace(-15, -9, 61)
    errors = explore.errors_over_steps(ref.central_difference, SIN, 1.0, left)
    assert np.polyfit(np.log(left), np.log(errors), 1)[0] == pytest.approx(-1, abs=0.2)
    right = np.logspace(-4, -1, 31)
    central = explore.errors_over_steps(ref.central_difference, SIN, 1.0, right)
    complex_step = explore.errors_over_steps(ref.complex_step, SIN, 1.0, right)
    assert np.allclose(central, complex_step, rtol=0.01)
    says("The error curves of $\\sin$ at $x = 1$", "its slopes are 1, 2 and 4 on the right",
         "$-1$ on the left", r"where both errors are $h^2 |f'''| / 6$")


def test_the_complex_step_needs_no_best_step():
    assert ref.complex_step(np.sin, 1.0, 1e-200) == pytest.approx(np.cos(1.0), rel=U)
    hs = explore.HS[explore.HS <= 1e-8]
    for fn in SCALAR:
        for x in np.linspace(*fn.domain, 41):
            errors = [abs(ref.complex_step(fn, x, h) - fn.df(x)) for h in hs]
            assert max(errors) < 1e-14, (fn, x)
    says("## Summary", r"any $h \le 10^{-8}$; rounding level (errors below $10^{-14}$ on this chapter's functions)")
    says("## 3. The complex step", "($10^{-20}$, or $10^{-200}$)")


def test_single_precision_and_the_thresholds_of_gradient_checking():
    assert np.finfo(np.float32).eps / np.finfo(np.float64).eps == 2.0**29
    says("## 8. Gradient checking", r"$u$ is $2^{29}$ times larger")
    for fn in GRADIENT:
        x = np.linspace(-0.5, 1.3, 6).reshape(2, 3)
        assert ref.gradient_check(fn, fn.df, x) < 1e-7, fn
        assert ref.gradient_check(fn, lambda v: 2 * fn.df(v), x) > 1e-2, fn


def test_evaluations_per_gradient_and_the_directional_difference():
    calls = []

    def f(v):
        calls.append(1)
        return float(np.sum(np.sin(v) * v))

    x = np.linspace(-1, 1, 7)
    ref.numerical_gradient(f, x)
    assert len(calls) == 2 * x.size
    says("## 6. Gradients, and what they cost", "**two evaluations of $f$ per input**, $2n$ in all")
    v = np.cos(np.arange(7.0))
    g = lambda w: np.array([np.sum(w**2), np.sum(np.sin(w))])  # noqa: E731
    along = (g(x + 1e-5 * v) - g(x - 1e-5 * v)) / 2e-5
    assert np.allclose(along, ref.numerical_jacobian(g, x) @ v, rtol=1e-8)
    says("## In PyTorch and JAX", r"$(f(x + hv) - f(x - hv)) / 2h \approx J v$: two evaluations whatever $n$")


def test_the_hessians_best_step_and_error_and_a_measured_minimum_near_them():
    """(3u)^(1/4) and 2 sqrt(u / 3) with f and f'''' of size 1; and the error of the
    reference's numerical_hessian of sin(x0) cos(x1) is smallest near that step."""
    u = np.finfo(float).eps / 2
    says("The total is smallest at", "\\approx " + sci((3 * u) ** 0.25), "\\approx " + sci(2 * np.sqrt(u / 3)))
    f = lambda z: np.sin(z[0]) * np.cos(z[1])  # noqa: E731
    x = np.array([1.0, 0.5])
    exact = np.array([[-np.sin(1) * np.cos(0.5), -np.cos(1) * np.sin(0.5)],
                      [-np.cos(1) * np.sin(0.5), -np.sin(1) * np.cos(0.5)]])
    errors = {h: np.max(np.abs(ref.numerical_hessian(f, x, h) - exact)) for h in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6)}
    assert min(errors, key=errors.get) in (1e-3, 1e-4) and min(errors.values()) < 1e-7


def test_scaled_steps_and_single_precision():
    """The figures of "Two practical rules", computed as the cell computes them."""
    square, d_square = (lambda t: t ** 2), (lambda t: 2 * t)

    def relative(t, step):
        return abs(((square(t + step) - square(t)) / step - d_square(t)) / d_square(t))

    scaled = lambda t: np.sqrt(np.finfo(np.float64).eps) * max(1.0, abs(t))  # noqa: E731
    text = cell("### Two practical rules")
    assert relative(1e6, 1e-8) > 1e4 * relative(1e6, scaled(1e6))
    assert all(relative(t, scaled(t)) < 2e-8 for t in (1.0, 1e3, 1e6))
    assert ("grows from $" + sci(relative(1.0, 1e-8)) + "$\nto $" + sci(relative(1e6, 1e-8)) + "$").replace("\n", " ") in text
    assert "($" + sci(relative(1e6, scaled(1e6))) + "$ at\n$x = 10^6$)".replace("\n", " ") in text

    def central(dtype, step):
        one, step = dtype(1.0), dtype(step)
        return abs(float((np.sin(one + step) - np.sin(one - step)) / (dtype(2) * step)) - np.cos(1.0))

    u32 = np.finfo(np.float32).eps / 2
    best32 = (3 * u32) ** (1 / 3)
    assert central(np.float32, best32) < central(np.float32, 1e-5) / 100
    for phrase in ("$u = " + sci(u32) + "$", "(3u)^{1/3} \\approx " + sci(best32),
                   "an error of $" + sci(central(np.float32, 1e-5)) + "$",
                   "$" + sci(central(np.float64, 1e-5)) + "$ in float64"):
        assert phrase in text, phrase
    assert 1e-4 < central(np.float32, 1e-5) / np.cos(1.0) < 1e-2, "uncomfortable by Section 8's rules"


def test_the_v_shape_model_answer_reads_the_plot_as_it_is():
    rows = {row["method"]: row for row in explore.step_error_table(METHODS, SIN, 1.0)}
    answer = _flat(next(c.source for c in NOTEBOOK.cells
                        if c.metadata.get("nbgrader", {}).get("grade_id") == "written_v_shape"))
    forward, central = rows["forward"], rows["central"]
    assert 1e-9 <= forward["measured error"] <= 1e-8 and 1e-9 <= forward["measured h"] <= 1e-7
    assert "with an error between $10^{-9}$ and $10^{-8}$" in answer
    assert 3e-13 <= central["measured error"] <= 3e-12 and 1e-6 <= central["measured h"] <= 1e-5
    assert "with an error near $10^{-12}$" in answer
    assert f"{central['model h']:.0e}" == "8e-06"
    assert "predicts $" + sci(central["model error"]) + "$ at $8 \\times 10^{-6}$" in answer


def test_the_pointer_to_chapter_3_names_its_complex_step_section():
    says("## 3. The complex step", "Chapter 3 (its Section 7 reads the complex step as dual numbers")
    headings = [c.source.splitlines()[0] for c in notebook("03_forward").cells if c.cell_type == "markdown"]
    assert any(h.startswith("## 7. The complex step") for h in headings), headings
