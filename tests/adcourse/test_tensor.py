"""The data, pictures and widget of chapter 06 (adcourse.tensor)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from adcourse import tensor  # noqa: E402
from autograder.reference import tensor_autodiff as ref  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def params(hidden=4, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(2, hidden)), "b1": rng.normal(size=hidden),
            "W2": scale * rng.normal(size=hidden), "b2": np.float64(rng.normal())}


def test_moons_are_seeded_balanced_and_of_the_asked_shape():
    X, y = tensor.make_moons(51, noise=0.1, seed=4)
    again = tensor.make_moons(51, noise=0.1, seed=4)
    assert X.shape == (51, 2) and y.shape == (51,) and set(y) == {0.0, 1.0}
    assert np.sum(y == 0) == 26 and np.sum(y == 1) == 25
    assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])


def test_the_logits_and_probabilities_are_those_of_the_network():
    p = params()
    points = np.random.default_rng(1).normal(size=(30, 2))
    z = np.tanh(points @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    assert np.allclose(tensor.mlp_logits(p, points), z, rtol=1e-14, atol=0)
    assert np.allclose(tensor.mlp_probability(p, points), 1 / (1 + np.exp(-z)), rtol=1e-14, atol=0)
    big = params(scale=1e4)
    assert np.max(np.abs(tensor.mlp_logits(big, points))) > 709
    with np.errstate(all="raise"):  # no overflow, even for logits far beyond 709
        huge = tensor.mlp_probability(big, points)
    assert np.all((huge >= 0) & (huge <= 1))
    for sign in (1.0, -1.0):
        far = {"W1": np.zeros((2, 1)), "b1": np.zeros(1), "W2": np.zeros(1), "b2": np.float64(sign * 800.0)}
        with np.errstate(all="raise"):
            assert np.all(tensor.mlp_probability(far, points) == (sign > 0))


def test_the_pictures_have_titles_labels_and_legends():
    X, y = tensor.make_moons(60, noise=0.1, seed=0)
    trained, losses = ref.fit_mlp(X, y, hidden=4, steps=30, lr=1.0, seed=0)
    fig = Figure()
    left, right = fig.subplots(1, 2)
    tensor.plot_losses(left, losses)
    tensor.plot_boundary(right, trained, X, y, title="4 units\n")
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    assert right.get_title().startswith("4 units\n(accuracy ")
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert legend == ["boundary P = 1/2", "y = 0", "y = 1"]
    ax = Figure().add_subplot()
    tensor.plot_boundary(ax, trained, X, y)
    assert ax.get_title().startswith("decision boundary (accuracy ")
    assert tensor.render_training(trained, losses, X, y)[:8] == PNG


def test_the_training_explorer_redraws_when_a_control_moves():
    pytest.importorskip("ipywidgets")
    X, y = tensor.make_moons(40, noise=0.1, seed=0)
    box = tensor.training_explorer(lambda X, y, hidden, steps, lr: ref.fit_mlp(X, y, hidden, min(steps, 20), lr), X, y)
    (hidden, *_), image = box.children[0].children, box.children[1]
    first = image.value
    hidden.value = 2
    assert first[:8] == PNG and image.value != first
