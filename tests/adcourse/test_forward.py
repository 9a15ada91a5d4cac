"""Chapter 03's pictures: the cost of a full Jacobian, counted and timed, and graceful with
unanswered exercises."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from adcourse import forward as explore
from autograder.reference import forward as ref


def unanswered(f, x):
    raise NotImplementedError()


def test_count_duals_counts_every_dual_created_and_restores_the_class():
    init = ref.Dual.__init__
    result, count = explore.count_duals(ref.Dual, lambda: ref.Dual(2.0, 1.0) * ref.Dual(3.0) + 1.0)
    assert count == 4 and result.value == 7.0 and ref.Dual.__init__ is init


def test_best_seconds_times_each_run_and_leaves_the_garbage_collector_as_it_was():
    import gc
    calls = [0, 0]
    seconds = explore.best_seconds([lambda: calls.__setitem__(0, calls[0] + 1),
                                    lambda: calls.__setitem__(1, calls[1] + 1)], repeat=3, budget=1e-4)
    assert len(seconds) == 2 and all(0 < s < 0.01 for s in seconds) and min(calls) >= 4
    assert gc.isenabled()


def test_cost_plot_has_its_labels_references_and_counts():
    fig, axes = plt.subplots(1, 2)
    cost = explore.plot_jacobian_cost(axes, ref.jacobian_forward, ref.Dual, ns=(2, 4, 8))
    assert cost["duals"] == [n * (4 * n + 1) for n in (2, 4, 8)] and len(cost["seconds"]) == 3
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        labels = [line.get_label() for line in ax.get_lines()]
        assert any("slope 2" in label for label in labels)
    left = axes[0].get_lines()
    assert not np.allclose(left[0].get_ydata(), left[2].get_ydata())  # the reference shows beside the counts
    plt.close(fig)


def test_cost_plot_says_what_is_not_implemented():
    fig, axes = plt.subplots(1, 2)
    assert explore.plot_jacobian_cost(axes, unanswered, ref.Dual, ns=(2, 4)) is None
    assert all("not implemented" in ax.texts[0].get_text() for ax in axes)
    plt.close(fig)


def test_tangent_explorer_redraws_when_x_moves():
    widget = explore.tangent_explorer(ref.derivative, ref.second_derivative)
    (_, x), image = widget.children[0].children, widget.children[1]
    first = image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    x.value = x.value + 0.1
    assert image.value != first
