"""The chapter 01 plot: V-shaped curves, and graceful with unanswered exercises."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

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
