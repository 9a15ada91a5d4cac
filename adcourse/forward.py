"""Pictures for chapter 03_forward: the tangent line that one forward pass gives.

`tangent_explorer(derivative, second_derivative)` is a small ipywidgets control: pick a
function of the catalogue and a point x; the plot shows f, its tangent line
f(x) + f'(x) (t - x) with f'(x) from *your* `derivative`, and, once
`second_derivative` works, the osculating parabola that adds f''(x) (t - x)**2 / 2.
A wrong derivative shows at once: the line crosses the curve instead of touching it.
"""
from __future__ import annotations

import io

import numpy as np

from .functions import DUAL_SCALAR


def render_tangent(fn, x: float, derivative, second_derivative=None) -> bytes:
    """f, and the tangent (and parabola) at x from the given derivative functions, as PNG."""
    from matplotlib.figure import Figure

    lo, hi = fn.domain
    t = np.linspace(lo, hi, 300)
    fig = Figure(figsize=(7.5, 4))
    ax = fig.add_subplot()
    ax.plot(t, fn(t), color="black", label=f"f(t) = {fn.name}")
    fx = float(fn(x))
    lines = []
    try:
        slope = float(derivative(fn, x))
        ax.plot(t, fx + slope * (t - x), color="tab:blue", label=f"tangent: slope f'(x) = {slope:.4g}")
        lines.append(f"your f'(x) = {slope:.6g}, true {float(fn.df(x)):.6g}")
        if second_derivative is not None:
            curvature = float(second_derivative(fn, x))
            ax.plot(t, fx + slope * (t - x) + 0.5 * curvature * (t - x) ** 2, "--", color="tab:orange",
                    label=f"parabola: f''(x) = {curvature:.4g}")
    except NotImplementedError:
        lines.append("derivative (or second_derivative) is not implemented yet")
    ax.plot([x], [fx], "o", color="tab:red")
    values = fn(t)
    span = float(np.max(values) - np.min(values)) or 1.0
    ax.set_ylim(float(np.min(values)) - 0.3 * span, float(np.max(values)) + 0.3 * span)
    ax.set_xlabel("t")
    ax.set_title(f"x = {x:.3g}; " + "; ".join(lines), fontsize=9)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def tangent_explorer(derivative, second_derivative=None):
    """Dropdown (function) and slider (x) over an Image redrawn on change (no Output
    widget and no `interact`: their captured output can hang a notebook run without a
    browser)."""
    import ipywidgets as widgets

    choice = widgets.Dropdown(options=[(fn.name, i) for i, fn in enumerate(DUAL_SCALAR)], value=1,
                              description="f")
    lo, hi = DUAL_SCALAR[1].domain
    x = widgets.FloatSlider(value=0.5, min=lo, max=hi, step=0.05, description="x",
                            continuous_update=False)
    image = widgets.Image(format="png")

    def draw(_=None):
        fn = DUAL_SCALAR[choice.value]
        image.value = render_tangent(fn, min(max(x.value, fn.domain[0]), fn.domain[1]),
                                     derivative, second_derivative)

    def domain(_=None):
        fn = DUAL_SCALAR[choice.value]
        x.min, x.max = -1e9, 1e9  # widen first so that min <= max holds at every step
        x.min, x.max = fn.domain
        x.value = min(max(x.value, fn.domain[0]), fn.domain[1])
        draw()

    choice.observe(domain, names="value")
    x.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([choice, x]), image])
