"""Chapter 04's pictures and counts: the graph's size and paths, the operation counts and
times of the cheap-gradient plot, graceful with unanswered exercises."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from adcourse import reverse as explore
from autograder.reference import reverse as ref


def unanswered(f):
    raise NotImplementedError()


def test_graph_size_and_path_count_on_a_shared_node():
    a = ref.Var(2.0)
    b = a * 3.0
    c = b * b + a
    d = c * b
    assert explore.graph_size(d) == (5, 1, 7)
    assert explore.path_count(d, b) == 3 and explore.path_count(d, a) == 4
    assert explore.path_count(d, ref.Var(1.0)) == 0


def test_path_count_visits_nodes_not_paths():
    x = ref.Var(1.0)
    v = x
    for _ in range(100):
        v = v * 0.5 + v * 0.5
    assert explore.path_count(v, x) == 2 ** 100


def test_counting_dual_class_agrees_with_the_reference_gradient():
    x = [0.3, -0.7, 1.1, 0.5]
    assert explore.forward_gradient(explore.rosenbrock, x) == pytest.approx(ref.grad(explore.rosenbrock)(*x))
    assert explore.forward_units(explore.rosenbrock, x) == 4 * (8 * 3 + 2 * (11 * 3 - 1))


def test_cheap_gradient_plot_counts_times_and_labels():
    fig, axes = plt.subplots(1, 2)
    result = explore.plot_cheap_gradient(axes, ref.grad, ns=(2, 4, 8))
    counts, times = result["counts"], result["times"]
    assert counts["reverse"] == [8 * (n - 1) + 2 * (11 * (n - 1) - 1) for n in (2, 4, 8)]
    assert all(len(times[key]) == 3 for key in ("f", "forward", "reverse"))
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() and ax.get_legend()
    assert any("5" in line.get_label() for line in axes[0].get_lines())
    plt.close(fig)


def test_cheap_gradient_plot_says_what_is_not_implemented():
    fig, axes = plt.subplots(1, 2)
    assert explore.plot_cheap_gradient(axes, unanswered, ns=(2, 4)) is None
    assert all("not implemented" in ax.texts[0].get_text() for ax in axes)
    plt.close(fig)


def test_adjoint_stepper_redraws_when_the_slider_moves():
    widget = explore.adjoint_stepper()
    slider, image = widget.children
    first = image.value
    slider.value = slider.value + 1
    assert image.value != first and image.value[:8] == b"\x89PNG\r\n\x1a\n"
