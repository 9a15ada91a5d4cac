"""The lasso helpers, plot and widget of chapter 07 (adcourse.nonsmooth)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from adcourse import nonsmooth  # noqa: E402
from adcourse.tolerance import policy  # noqa: E402
from autograder.reference import nonsmooth as ref  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def not_yet(*args, **kwargs):
    raise NotImplementedError()


def test_lasso_problems_are_seeded_sparse_and_of_the_asked_shape():
    A, b, x = nonsmooth.lasso_problem(30, 50, 4, 0.1, seed=3)
    again = nonsmooth.lasso_problem(30, 50, 4, 0.1, seed=3)
    assert A.shape == (30, 50) and b.shape == (30,) and np.count_nonzero(x) == 4
    assert all(np.array_equal(u, v) for u, v in zip((A, b, x), again))
    assert np.all((np.abs(x[x != 0]) >= 1) & (np.abs(x[x != 0]) <= 2))
    noiseless = nonsmooth.lasso_problem(30, 50, 4, 0.0, seed=3)
    assert policy("exact").close(noiseless[1], noiseless[0] @ noiseless[2]).all()


def test_correlated_columns_make_a_worse_conditioned_problem():
    plain = nonsmooth.lasso_problem(60, 100, 8, 0.1, seed=0)[0]
    correlated = nonsmooth.lasso_problem(60, 100, 8, 0.1, seed=0, correlation=0.9)[0]
    assert np.linalg.cond(correlated) > 3 * np.linalg.cond(plain)


def test_objective_lam_max_and_optimality_residual():
    A, b, _ = nonsmooth.lasso_problem(20, 10, 2, 0.1, seed=1)
    x = np.linspace(-1, 1, 10)
    expected = 0.5 * np.sum((A @ x - b) ** 2) + 0.3 * np.sum(np.abs(x))
    assert policy("exact").close(nonsmooth.lasso_objective(A, b, 0.3, x), expected)
    top = nonsmooth.lam_max(A, b)
    assert np.all(nonsmooth.optimality_residual(A, b, top, np.zeros(10)) == 0)
    assert np.max(nonsmooth.optimality_residual(A, b, 0.9 * top, np.zeros(10))) > 0
    solution = ref.fista(A, b, 0.2 * top, steps=2000)[0]
    assert np.max(nonsmooth.optimality_residual(A, b, 0.2 * top, solution)) < policy("optimality").atol
    assert np.max(nonsmooth.optimality_residual(A, b, 0.2 * top, 1.01 * solution)) > 1e-3


def test_the_convergence_plot_names_what_is_missing():
    A, b, _ = nonsmooth.lasso_problem(20, 30, 3, 0.1, seed=2)
    ax = Figure().add_subplot()
    missing = nonsmooth.plot_convergence(ax, {"ISTA": ref.ista, "FISTA": not_yet}, A, b, 1.0, steps=50)
    assert missing == ["FISTA"] and len(ax.get_lines()) == 1
    ax = Figure().add_subplot()
    assert nonsmooth.plot_convergence(ax, {"FISTA": not_yet}, A, b, 1.0) == ["FISTA"]
    assert any("not implemented" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize("solver", [ref.fista, not_yet, lambda *a, **k: 1 / 0], ids=["fista", "missing", "broken"])
def test_the_coefficient_plot_draws_or_says_why_not(solver):
    A, b, x_true = nonsmooth.lasso_problem(20, 30, 3, 0.1, seed=2)
    assert nonsmooth.render_coefficients(solver, A, b, 1.0, x_true, steps=50)[:8] == PNG
    ax = Figure().add_subplot()
    count = nonsmooth.plot_coefficients(ax, solver, A, b, nonsmooth.lam_max(A, b), x_true, steps=50)
    assert count == (0 if solver is ref.fista else None)


def test_the_sparsity_explorer_redraws_when_lam_moves():
    pytest.importorskip("ipywidgets")
    A, b, x_true = nonsmooth.lasso_problem(20, 30, 3, 0.1, seed=2)
    box = nonsmooth.sparsity_explorer(ref.fista, A, b, x_true, steps=50)
    slider, image = box.children
    first = image.value
    slider.value = slider.value * 10
    assert first[:8] == PNG and image.value != first


def test_the_convergence_plot_is_log_log_from_k_1_with_its_reference_slopes():
    A, b, _ = nonsmooth.lasso_problem(20, 30, 3, 0.1, seed=2)
    k = np.arange(1, 51)
    ax = Figure().add_subplot()
    references = {"slope -1": (100.0 / k, "k:"), "slope -2": (100.0 / k**2, "k--")}
    assert nonsmooth.plot_convergence(ax, {"ISTA": ref.ista}, A, b, 1.0, steps=50, references=references) == []
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["ISTA", "slope -1", "slope -2"]
    assert all(list(line.get_xdata()) == list(k) for line in lines)  # k = 0 cannot be on a log axis
    assert np.allclose(lines[2].get_ydata(), 100.0 / k**2)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ISTA", "slope -1", "slope -2"]
