"""Plots and widgets of chapter 05_matrix_calculus: is G the gradient of f at X?

If G is the gradient, f(X + tV) = f(X) + t <G, V> + O(t^2) along every direction V: the
remainder |f(X + tV) - f(X) - t <G, V>| falls like t**2 (slope 2 on log-log axes). A
wrong G (a transposed one, a missing factor) leaves an error of order t (slope 1).
`plot_first_order_check` draws both for a gradient function; `first_order_explorer` lets
the matrix X (2 x 2) be chosen with sliders. Gradients that are not implemented yet are
named instead of drawn, so the plot works at every stage of the chapter.
"""
from __future__ import annotations

import io

import numpy as np

#: The steps t of the check, and a fixed direction V (2 x 2) so that redraws compare.
STEPS = np.logspace(-6, 0, 31)
DIRECTION = np.array([[0.6, -0.3], [0.5, 0.55]])


def remainders(f, G, X, V=DIRECTION, ts=STEPS) -> np.ndarray:
    """|f(X + tV) - f(X) - t <G, V>| for each t (a zero is shown as 1e-17)."""
    slope = float(np.sum(np.asarray(G) * V))
    fx = f(X)
    errors = np.array([abs(f(X + t * V) - fx - t * slope) for t in ts])
    return np.maximum(errors, 1e-17)


def plot_first_order_check(ax, f, gradient, X, name: str, V=DIRECTION, ts=STEPS) -> bool:
    """Draw the remainders of `gradient(X)` and of its transpose on `ax`; False (with a
    note on the plot) when `gradient` raises, e.g. NotImplementedError."""
    try:
        G = np.asarray(gradient(X), dtype=float)
    except Exception as exc:
        ax.text(0.5, 0.5, f"{name}: gradient not available ({type(exc).__name__})",
                ha="center", transform=ax.transAxes, color="grey")
        return False
    ax.loglog(ts, remainders(f, G, X, V, ts), "o-", ms=3, label="your gradient G")
    if G.ndim == 2 and G.shape[0] == G.shape[1] and not np.allclose(G, G.T):
        ax.loglog(ts, remainders(f, G.T, X, V, ts), "s-", ms=3, label="its transpose G^T")
    scale = remainders(f, G, X, V, ts)[-1]
    ax.loglog(ts, scale * ts**2, ":", color="grey", label="slope 2 (t**2)")
    ax.loglog(ts, scale * ts, "--", color="grey", label="slope 1 (t)")
    ax.set_xlabel("t")
    ax.set_ylabel("|f(X + tV) - f(X) - t <G, V>|")
    ax.set_title(name)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return True


def render_first_order_check(f, gradient, X, name: str) -> bytes:
    """The check as PNG bytes (drawn off-screen, shown by the caller)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.2))
    ax = fig.add_subplot()
    with np.errstate(all="ignore"):
        if abs(np.linalg.det(X)) < 1e-2:
            ax.text(0.5, 0.5, "X is (nearly) singular: move a slider", ha="center",
                    transform=ax.transAxes)
        else:
            plot_first_order_check(ax, f, gradient, X, name)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def first_order_explorer(functions: dict):
    """An ipywidgets control: X (2 x 2) from four sliders, f from a dropdown.

    `functions` maps a name to (f, gradient), both functions of X. The plot is an Image
    widget redrawn when a control changes (no Output widget and no `interact`: their
    captured output can hang a notebook run without a browser).
    """
    import ipywidgets as widgets

    entries = [widgets.FloatSlider(value=v, min=-2.0, max=2.0, step=0.05, description=label,
                                   continuous_update=False)
               for v, label in zip((1.2, 0.7, -0.4, 0.9), ("X11", "X12", "X21", "X22"))]
    choice = widgets.Dropdown(options=list(functions), description="f(X)")
    image = widgets.Image(format="png")

    def draw(_=None):
        X = np.array([[entries[0].value, entries[1].value], [entries[2].value, entries[3].value]])
        f, gradient = functions[choice.value]
        image.value = render_first_order_check(f, gradient, X, choice.value)

    for control in (*entries, choice):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([choice]), widgets.HBox(entries[:2]),
                         widgets.HBox(entries[2:]), image])
