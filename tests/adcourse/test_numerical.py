"""The chapter 01 plot: V-shaped curves, and graceful with unanswered exercises."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from adcourse import numerical as explore
from adcourse.functions import GRADIENT, JACOBIAN, SCALAR, by_name
from autograder.reference import numerical as ref


def unanswered(f, x, h=1e-5):
    raise NotImplementedError()


def test_plot_leaves_out_and_names_unanswered_methods():
    fig, ax = plt.subplots()
    missing = explore.plot_step_errors(ax, {"central": ref.central_difference, "forward": unanswered})
    assert missing == ["forward"]
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == ["central"]
    plt.close(fig)


def test_error_curve_of_the_central_difference_bottoms_out_near_cbrt_eps():
    hs = np.logspace(-1, -14, 131)
    errors = explore.errors_over_steps(ref.central_difference, SCALAR[0], 1.0, hs)
    best = hs[np.argmin(errors)]
    assert explore.OPTIMAL_STEP["central"] / 30 < best < explore.OPTIMAL_STEP["central"] * 30


def test_explorer_redraws_when_a_control_moves():
    widget = explore.error_explorer({"central": ref.central_difference})
    controls, image = widget.children
    function, x, mark = controls.children
    first = image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    x.value = 0.5
    assert image.value != first
    second = image.value
    function.value = "exp(x)"
    assert image.value != second


def test_catalogue_derivatives_are_right():
    rng = np.random.default_rng(0)
    for fn in SCALAR:
        x = rng.uniform(*fn.domain)
        assert np.isclose(ref.complex_step(fn, x), fn.df(x), rtol=1e-10)
    for fn in GRADIENT:
        x = rng.uniform(-1, 1, size=(3, 2))
        assert np.allclose(ref.numerical_gradient(fn, x), fn.df(x), rtol=1e-6, atol=1e-8)
    for fn in JACOBIAN:
        x = rng.uniform(*fn.domain, size=fn.shape[1])
        assert np.allclose(ref.numerical_jacobian(fn, x), fn.df(x), rtol=1e-6, atol=1e-8)
    assert by_name("sin(x)") is SCALAR[0]


def test_the_error_models_and_their_best_steps():
    fn, hs = SCALAR[0], np.logspace(-12, -2, 101)
    d = explore.derivatives(fn, 1.0)
    assert d[0] == np.sin(1.0) and d[1] == np.cos(1.0)
    assert np.allclose([d[2], d[3], d[5]], [-np.sin(1.0), -np.cos(1.0), np.cos(1.0)], rtol=1e-4)
    for label in ("forward", "central", "Richardson"):
        model = explore.model_errors(label, fn, 1.0, hs)
        measured = explore.errors_over_steps(explore_methods()[label], fn, 1.0, hs)
        assert (measured <= 3 * model).all(), label  # the model is about the largest error
        h, error = explore.predicted_best(label, fn, 1.0)
        assert error == pytest.approx(np.interp(np.log(h), np.log(hs), model), rel=0.05)
    assert explore.predicted_best("complex step", fn, 1.0) is None
    assert explore.predicted_best("forward", fn, 0.0) is None  # sin(0) = sin''(0) = 0: no minimum
    assert explore.model_errors("five-point", fn, 1.0, hs) is None


def explore_methods():
    return {"forward": ref.forward_difference, "central": ref.central_difference,
            "Richardson": ref.richardson, "complex step": ref.complex_step}


def test_plot_draws_curves_models_and_markers_and_the_table_skips_unanswered_methods():
    fig, ax = plt.subplots()
    explore.plot_step_errors(ax, explore_methods())
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 4  # one model per method
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.get_legend().get_texts()) == 7
    plt.close(fig)
    rows = explore.step_error_table({**explore_methods(), "forward": unanswered})
    assert [row["method"] for row in rows] == ["central", "Richardson", "complex step"]
