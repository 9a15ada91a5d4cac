"""The chapter 05 plots, widget and numerical helpers: right slopes, graceful with
unanswered exercises, labelled, and helpers that agree with closed forms."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from adcourse import matrix_calculus as explore
from autograder.reference import matrix_calculus as ref

X0 = np.array([[1.2, 0.7], [-0.4, 0.9]])


def logdet(X):
    return np.linalg.slogdet(X)[1]


def unanswered(X):
    raise NotImplementedError()


def slope(errors, ts=explore.STEPS):
    middle = slice(5, 25)  # away from round-off and from t = 1
    return np.polyfit(np.log(ts[middle]), np.log(errors[middle]), 1)[0]


def test_the_remainder_falls_with_slope_2_for_the_gradient_and_1_for_its_transpose():
    assert abs(slope(explore.remainders(logdet, ref.grad_logdet(X0), X0)) - 2) < 0.1
    assert abs(slope(explore.remainders(logdet, ref.grad_logdet(X0).T, X0)) - 1) < 0.1


def test_the_check_plot_is_labelled_and_names_an_unanswered_gradient():
    fig, ax = plt.subplots()
    assert explore.plot_first_order_check(ax, logdet, ref.grad_logdet, X0, "log|det X|")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["your gradient G", "its transpose G^T", "slope 2 (t**2)", "slope 1 (t)"]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "log|det X|"
    plt.close(fig)
    fig, ax = plt.subplots()
    assert not explore.plot_first_order_check(ax, logdet, unanswered, X0, "log|det X|")
    assert "not available" in ax.texts[0].get_text() and not ax.get_lines()
    plt.close(fig)


def test_the_explorer_redraws_when_a_slider_moves():
    widget = explore.first_order_explorer({"log|det X|": (logdet, ref.grad_logdet)})
    image = widget.children[-1]
    first = image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    widget.children[1].children[0].value = 0.5
    assert image.value != first


def test_vec_stacks_columns_and_the_jacobian_by_differences_is_the_kronecker_matrix():
    rng = np.random.default_rng(0)
    A, X, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    assert np.array_equal(explore.vec(np.array([[1.0, 2.0], [3.0, 4.0]])), [1.0, 3.0, 2.0, 4.0])
    J = explore.jacobian_by_differences(lambda X: A @ X @ B, X)
    assert J.shape == (4, 12) and np.allclose(J, np.kron(B.T, A), atol=1e-8)
    assert explore.relative_difference(np.zeros(3), np.zeros(3)) == 0.0


def test_the_directional_check_tells_a_gradient_from_its_transpose():
    assert explore.directional_check(logdet, ref.grad_logdet(X0), X0) < 1e-8
    assert explore.directional_check(logdet, ref.grad_logdet(X0).T, X0) > 1e-3


def test_fused_and_unfused_cross_entropy_agree_where_both_are_finite():
    rng = np.random.default_rng(1)
    for _ in range(5):
        z, y = rng.normal(size=4), rng.dirichlet(np.ones(4))
        (a, ga), (b, gb) = explore.cross_entropy_unfused(z, y), explore.cross_entropy_fused(z, y)
        assert np.isclose(a, b) and np.allclose(ga, gb)
        assert np.allclose(gb, ref.grad_softmax_cross_entropy(np.diag(z), np.ones(4), y)[:, 0])


def test_the_minimisation_plot_shows_three_labelled_curves():
    X, y = explore.logistic_data()
    fig, ax = plt.subplots()
    explore.plot_minimisation(ax, X, y, ref.grad_logistic_regression)
    lines = ax.get_lines()
    assert len(lines) == 3 and all(line.get_label() for line in lines)
    assert ax.get_xlabel() == "iteration k" and ax.get_ylabel() and ax.get_title()
    assert ax.get_legend() is not None
    newton, descent, reference = (line.get_ydata() for line in lines)
    assert len(newton) < len(descent)  # Newton is drawn until round-off only
    assert np.allclose(reference[-1], 10 * descent[-1])  # the reference sits a decade above
    plt.close(fig)
