"""Data and pictures for chapter 06 (reverse mode on arrays): two half-moons, the
training loss, and the decision boundary of a small classifier.

Nothing here differentiates: the network of the chapter is trained with the student's
own `Tensor`; these helpers only make the data and draw what the training produced.
"""
from __future__ import annotations

import io

import numpy as np

from .i18n import _


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-circles in the plane, with Gaussian noise: (X, y).

    X has shape (n, 2); y has shape (n,), 0 for the upper moon (centre (0, 0)) and 1
    for the lower one (centre (1, 0.5), upside down). The same seed gives the same data.
    """
    rng = np.random.default_rng(seed)
    upper, lower = n - n // 2, n // 2
    t_upper = np.linspace(0.0, np.pi, upper)
    t_lower = np.linspace(0.0, np.pi, lower)
    X = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
                        np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)])
    y = np.concatenate([np.zeros(upper), np.ones(lower)])
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def mlp_logits(params: dict, points: np.ndarray) -> np.ndarray:
    """The logits z = tanh(X W1 + b1) W2 + b2 at `points` X (m, 2), with params a dict of
    arrays W1, b1, W2, b2 (forward pass only, in NumPy)."""
    hidden = np.tanh(np.asarray(points, dtype=float) @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def mlp_probability(params: dict, points: np.ndarray) -> np.ndarray:
    """P(y = 1) = sigmoid(z) at `points` (m, 2), z the logits of `mlp_logits`.

    sigmoid(z) = (1 + tanh(z / 2)) / 2, which never overflows (1 / (1 + exp(-z)) would
    for z below about -709)."""
    return 0.5 * (1.0 + np.tanh(0.5 * mlp_logits(params, points)))


def plot_data(ax, X, y) -> None:
    """The two classes as coloured points."""
    for label, colour in ((0, "tab:blue"), (1, "tab:orange")):
        chosen = np.asarray(y) == label
        ax.scatter(X[chosen, 0], X[chosen, 1], s=12, color=colour, edgecolor="white",
                   linewidth=0.3, label=f"y = {label}")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def plot_boundary(ax, params: dict, X, y, title: str = "") -> None:
    """The data over the classifier's probability map, with its decision boundary P = 1/2;
    the title (by default "decision boundary") ends with the accuracy on (X, y), on a line
    of its own when the title ends with a newline."""
    X = np.asarray(X)
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    u, v = np.meshgrid(np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150))
    p = mlp_probability(params, np.stack([u.ravel(), v.ravel()], axis=1)).reshape(u.shape)
    ax.contourf(u, v, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax.contour(u, v, p, levels=[0.5], colors="black", linewidths=1.5)
    ax.plot([], [], color="black", linewidth=1.5, label=_("boundary P = 1/2"))  # for the legend
    plot_data(ax, X, y)
    ax.legend(loc="lower left", fontsize=8)
    correct = np.mean((mlp_probability(params, X) > 0.5) == (np.asarray(y) == 1))
    title = title or _("decision boundary")
    accuracy = _("(accuracy {accuracy})").format(accuracy=f"{correct:.0%}")
    ax.set_title(f"{title}{'' if title.endswith(chr(10)) else ' '}{accuracy}")


def plot_losses(ax, losses, label: str | None = None, title: str | None = None) -> None:
    """The loss per step, with the loss of a classifier that always says 1/2 (log 2); by
    default the curve is labelled "training loss" and the plot "training loss per step"."""
    ax.plot(np.arange(len(losses)), losses, label=_("training loss") if label is None else label)
    ax.set_title(_("training loss per step") if title is None else title)
    ax.axhline(np.log(2.0), color="grey", linestyle=":", label=_("log 2 (always 1/2)"))
    ax.set_xlabel(_("step of gradient descent"))
    ax.set_ylabel(_("mean binary cross-entropy (nats)"))
    ax.legend()


def render_training(params: dict, losses, X, y, title: str = "") -> bytes:
    """The loss curve and the decision boundary side by side, as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    plot_losses(left, losses)
    plot_boundary(right, params, X, y, title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def training_explorer(fit, X, y):
    """A widget: choose the hidden width, the number of steps and the step size, see the
    loss and the decision boundary of `fit(X, y, hidden, steps, lr)` -> (params, losses).

    The picture is an Image widget redrawn when a control changes (no Output widget
    and no `interact`: their captured output can hang a notebook run without a browser).
    """
    import ipywidgets as widgets

    hidden = widgets.Dropdown(options=[1, 2, 4, 8, 16, 32], value=16, description=_("hidden"))
    steps = widgets.IntSlider(value=300, min=0, max=2000, step=50, description=_("steps"),
                              continuous_update=False)
    lr = widgets.Dropdown(options=[0.03, 0.1, 0.3, 1.0], value=0.3, description=_("step lr"))
    image = widgets.Image(format="png")

    def draw(_change=None):
        params, losses = fit(X, y, hidden.value, steps.value, lr.value)
        image.value = render_training(params, losses, X, y)

    for control in (hidden, steps, lr):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([hidden, steps, lr]), image])
