"""The numbers and claims that chapter 03's prose states, computed as its cells compute them.

Each test computes a figure with the chapter's own code (adcourse.forward, the catalogue
and the reference answers) and asserts that the markdown of the instructor notebook
states it.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

from adcourse.forward import count_duals, jacobian_cost
from adcourse.functions import DUAL_JACOBIAN
from autograder.reference import forward as ref

from .notebooks import code_cell as one_code_cell, flat as _flat, graded as _graded, notebook

NOTEBOOK = notebook("03_forward")


#: The teaching text: every markdown cell but the instructor's model answers.
MARKDOWN = [_flat(c.source) for c in NOTEBOOK.cells if c.cell_type == "markdown" and not _graded(c)]
PROSE = "\n".join(MARKDOWN)


def says(*phrases: str) -> None:
    for phrase in phrases:
        assert _flat(phrase) in PROSE, f"the chapter's markdown does not state {phrase!r}"


def code_cell(marker: str) -> str:
    return one_code_cell(NOTEBOOK, marker)


def test_the_reference_to_nesting_names_the_section_on_nesting():
    sections = dict(re.findall(r"^## (\d+)\. (.*)$", "\n".join(c.source for c in NOTEBOOK.cells
                                                               if c.cell_type == "markdown"), re.MULTILINE))
    (number,) = re.findall(r"nesting, Section (\d+)", PROSE)
    assert "nesting" in sections[number].lower(), sections
    (number,) = re.findall(r"and Section (\d+) defines every elementary function", PROSE)
    assert sections[number] == "Elementary functions", sections


def test_the_dual_unit_is_d_and_epsilon_only_names_machine_epsilon():
    uses = [m for m in MARKDOWN if "varepsilon" in m]
    assert len(uses) == 1 and "machine epsilon" in uses[0], uses
    says("where $d$ is a new unit with $d \\ne 0$ but $d^2 = 0$", "`Dual(a, t)` stands for $a + t\\,d$")


def test_the_taylor_argument_is_claimed_for_analytic_functions_and_a_definition_otherwise():
    says("The same argument works for an **analytic** $f$",
         "is a *definition*")
    assert "any smooth $f$ through its Taylor series" not in PROSE


def test_polynomial_example_prints_value_and_derivative():
    p = lambda x: 3 * x ** 3 - 2 * x + 1
    y = p(ref.Dual(2.0, 1.0))
    assert (y.value, y.tangent) == (21.0, 34.0) == (p(2.0), 9 * 2.0 ** 2 - 2)
    assert '"p(2 + d) ="' in code_cell("p = lambda x: 3 * x ** 3 - 2 * x + 1")


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 16, 64])
def test_a_pass_of_the_catalogue_function_creates_4n_plus_1_duals(n):
    fn = DUAL_JACOBIAN[3]
    x = np.linspace(0.1, 1.0, n)
    (_, per_pass) = count_duals(ref.Dual, lambda: ref.jvp(fn, x, np.eye(n)[0]))
    (jacobian, total) = count_duals(ref.Dual, lambda: ref.jacobian_forward(fn, x))
    assert per_pass == 4 * n + 1 and total == n * (4 * n + 1)
    np.testing.assert_allclose(jacobian, fn.df(x), rtol=1e-12, atol=1e-12)
    says("With the course's `Dual`, a pass creates $4n + 1$: the seed, $n$ components, $n - 1$ sums, "
         "$n$ values of $\\tanh$, $n$ products and the stacked result",
         "so one pass performs $O(n)$ operations on dual numbers, and the $n$ passes $O(n^2)$")


def test_the_plotted_counts_are_quadratic_with_the_passes_linear():
    cost = jacobian_cost(ref.jacobian_forward, ref.Dual, ns=(2, 4, 8), repeat=1)
    assert cost["passes"] == [2, 4, 8]
    assert cost["duals"] == [n * (4 * n + 1) for n in (2, 4, 8)]
    says("Right: the seconds per Jacobian, the best of 5 repeats.")
    assert "best of 5" in code_cell("plot_jacobian_cost(axes, jacobian_forward, Dual")


def test_perturbation_confusion_gives_2_where_the_answer_is_1():
    confused = ref.derivative(lambda x: x * ref.derivative(lambda y: x + y, 1.0), 1.0)
    assert confused == 2.0
    says("`x + y` has tangent $1 + 1 = 2$", "so the answer is $\\frac{\\mathrm{d}}{\\mathrm{d}x}[x] = 1$")


def test_nested_duals_give_the_second_derivative_as_the_coefficient_of_d1_d2():
    f = lambda x: ref.sin(x) * ref.exp(x)
    y = f(ref.Dual(ref.Dual(0.7, 1.0), ref.Dual(1.0, 0.0)))
    assert y.tangent.tangent == pytest.approx(2 * np.cos(0.7) * np.exp(0.7), rel=1e-14)
    says("$x + d_1 + d_2$ is `Dual(Dual(x, 1), Dual(1, 0))`")


def test_the_chapter_ends_with_pytorch_and_jax_before_its_summary():
    headings = [c.source.splitlines()[0] for c in NOTEBOOK.cells if c.cell_type == "markdown"]
    assert headings[-2:] == ["## In PyTorch and JAX", "## Summary"]
    says("`jax.jvp(f, (x,), (v,))`", "`torch.func.jvp`", "`forward_ad.make_dual(x, v)`")


def test_no_grading_mechanics_in_the_teaching_cells():
    teaching = [m for i, m in enumerate(MARKDOWN) if not m.startswith("## How your work is checked")]
    for phrase in ("hidden test", "visible test", "autograder"):
        assert not any(phrase in m.lower() for m in teaching), phrase


def test_the_tagged_example_nests_tag_1_inside_tag_2_and_reads_off_1():
    x, y = ref.TaggedDual(1.0, 1.0, 1), ref.TaggedDual(1.0, 1.0, 2)
    s = x + y
    assert (s.tag, s.tangent, s.value.tag, s.value.value, s.value.tangent) == (2, 1.0, 1, 2.0, 1.0)
    D = ref.derivative_tagged
    assert D(lambda u: u * D(lambda v: u + v, 1.0), 1.0) == 1.0
    says("`TaggedDual(TaggedDual(2, 1, 1),\n1, 2)`", "the inner call reads off 1",
         "The outer call differentiates $x \\cdot 1$ and returns 1")
    says("Siskind and Pearlmutter (\"Perturbation confusion and\nreferential transparency\", 2005)",
         "Manzyuk et al. (2019)", "every tracer records the trace it belongs to")


def test_the_visible_examples_of_tagging_are_the_programs_they_name():
    from adcourse.functions import NESTED
    source = code_cell("run = in_kernel(NESTED_PROGRAM, derivative_tagged)")
    for index, x0 in [(0, 1.0), (1, 3.0), (3, 1.5), (5, 1.5), (11, 2.0), (13, 2.0)]:
        assert f"(NESTED[{index}], {x0})" in source
        assert NESTED[index](ref.derivative_tagged, x0) == pytest.approx(NESTED[index].df(x0), rel=1e-14, abs=1e-14)
    assert "NESTED[0] is d/dx [x * d/dy (x + y) at y = 1]" in source and NESTED[0].name == "d/dx [x * d/dy (x + y) at y = 1]"


def _third_derivative(fn, x):
    return ref.derivative(lambda t: ref.second_derivative(fn, t), x)


def test_the_complex_step_agrees_with_the_dual_to_rounding_at_h_1e_minus_20():
    from adcourse.functions import DUAL_SCALAR
    source = code_cell("step = np.imag(fn(x + 1e-20j)) / 1e-20")
    assert "x = 0.9\n" in source and "for fn in DUAL_SCALAR:" in source
    eps = np.finfo(float).eps
    for fn in DUAL_SCALAR:
        dual = ref.derivative(fn, 0.9)
        step = np.imag(fn(0.9 + 1e-20j)) / 1e-20
        assert abs(step - dual) <= 4 * eps * abs(dual), fn.name  # a few units of rounding
        assert 1e-42 < 1e-40 * abs(_third_derivative(fn, 0.9)) / 6 < 1e-39, fn.name
    says("At $h = 10^{-20}$ the term\n$h^2 f'''(x)/6$ is of the order of $10^{-40}$",
         "(the cell prints the difference in units of\nmachine epsilon times $|f'(x)|$)")


def test_at_h_0_1_the_gap_is_h2_f3_over_6_within_one_percent():
    from adcourse.functions import DUAL_SCALAR
    h = 0.1
    ratios = []
    for fn in DUAL_SCALAR:
        gap = ref.derivative(fn, 0.9) - np.imag(fn(0.9 + h * 1j)) / h
        ratios.append(gap / (h ** 2 * _third_derivative(fn, 0.9) / 6))
    assert all(abs(r - 1) < 0.01 for r in ratios), ratios
    assert ratios[0] == pytest.approx(1.0, abs=1e-12)  # the cubic: exact
    assert DUAL_SCALAR[0].name == "x**3 - 2*x + 1"
    says("At a large step, $h = 0.1$", "predicts it to within 1% for each function below, exactly for the cubic")
    assert "h = 0.1\n" in code_cell("predicted = h ** 2 * derivative(lambda t: second_derivative(fn, t), x) / 6")


def test_the_complex_step_series_has_the_signs_of_powers_of_i():
    t, h = sympy.symbols("t h", real=True)
    f = sympy.exp(t) * sympy.sin(2 * t)  # any analytic function

    def vanishes(expression):  # at a few points: no `simplify`, which parses text (refused in
        # a process that has graded a notebook: autograder.sealed refuses SymPy text)
        return all(abs(complex(expression.subs({t: t0, h: h0}).evalf())) < 1e-12
                   for t0 in (0.3, 1.1) for h0 in (0.1, 0.01))

    series = sympy.series(f.subs(t, t + sympy.I * h), h, 0, 4).removeO()
    expected = sum((sympy.I * h) ** k * sympy.diff(f, t, k) / sympy.factorial(k) for k in range(4))
    assert vanishes(series - expected)
    im_over_h = sympy.series(sympy.im(sympy.expand_complex(f.subs(t, t + sympy.I * h))) / h, h, 0, 3).removeO()
    assert vanishes(im_over_h - (sympy.diff(f, t) - h ** 2 * sympy.diff(f, t, 3) / 6))
    assert not vanishes(im_over_h - (sympy.diff(f, t) + h ** 2 * sympy.diff(f, t, 3) / 6))  # the sign matters
    central = sympy.series((f.subs(t, t + h) - f.subs(t, t - h)) / (2 * h), h, 0, 3).removeO()
    assert vanishes(central - (sympy.diff(f, t) + h ** 2 * sympy.diff(f, t, 3) / 6))
    says("the truncation error of a central difference, $h^2 f'''(x)/6$, with the opposite sign")
    says("f(x + ih) = f(x) + ih\\,f'(x) - \\frac{h^2}{2} f''(x) - i\\,\\frac{h^3}{6} f'''(x) + \\dots",
         "\\frac{\\operatorname{Im} f(x + ih)}{h} = f'(x) - \\frac{h^2}{6} f'''(x) + O(h^4)")


def test_a_comparison_breaks_the_complex_step_and_not_the_dual():
    def absolute(t):
        return t if t > 0 else -t
    assert ref.derivative(lambda t: t * absolute(t), -0.9) == pytest.approx(1.8, rel=1e-15)
    with pytest.raises(TypeError):
        absolute(-0.9 + 1e-20j)
    says("where the\nderivative is $2|x| = 1.8$", "complex numbers have no order, so `if x > 0` fails")
