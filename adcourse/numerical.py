"""Plots and widgets of chapter 01_numerical: the error of a finite difference against h.

`plot_step_errors` draws the V-shaped curves on log-log axes; `error_explorer` wraps
it in ipywidgets controls. Both take the student's own methods, and leave out (and
name) any method that is not implemented yet, so the plot works at every stage of
the chapter.
"""
from __future__ import annotations

import io

import numpy as np

from .functions import SCALAR

EPS = np.finfo(float).eps

#: Where theory puts the best step of each method: truncation and round-off balance.
OPTIMAL_STEP = {
    "forward": EPS ** (1 / 2),
    "central": EPS ** (1 / 3),
    "Richardson": EPS ** (1 / 5),
}


def errors_over_steps(method, fn, x, hs) -> np.ndarray:
    """|method(fn, x, h) - fn'(x)| for each h (a zero error is shown as 1e-17)."""
    exact = fn.df(x)
    with np.errstate(all="ignore"):
        errors = np.array([abs(float(np.real(method(fn, x, h))) - exact) for h in hs])
    return np.maximum(errors, 1e-17)


def plot_step_errors(ax, methods: dict, fn=SCALAR[0], x: float = 1.0,
                     hs=np.logspace(-1, -16, 151), mark_optimal: bool = True) -> list[str]:
    """Draw each method's error against h on `ax`; return the names left out.

    A method is left out when it raises (for example `NotImplementedError` for an
    exercise not answered yet). The observed minimum of each curve is marked with a
    dot, and the theoretical optimal steps with dotted vertical lines.
    """
    missing = []
    for (label, method), colour in zip(methods.items(), ("C0", "C1", "C2", "C3", "C4")):
        try:
            errors = errors_over_steps(method, fn, x, hs)
        except Exception:
            missing.append(label)
            continue
        ax.loglog(hs, errors, color=colour, label=label)
        best = int(np.argmin(errors))
        ax.plot(hs[best], errors[best], "o", color=colour)
        if mark_optimal and label in OPTIMAL_STEP:
            ax.axvline(OPTIMAL_STEP[label], color=colour, linestyle=":", linewidth=1)
    ax.set_xlabel("step h")
    ax.set_ylabel("absolute error")
    ax.set_title(f"f(x) = {fn.name} at x = {x:g}")
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", ncol=2, fontsize=8)
    if missing:
        ax.text(0.98, 0.02, "not implemented yet: " + ", ".join(missing), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color="grey")
    return missing


def render_step_errors(methods: dict, fn=SCALAR[0], x: float = 1.0,
                       mark_optimal: bool = True) -> bytes:
    """The error curves as PNG bytes (drawn off-screen, shown by the caller)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    plot_step_errors(fig.add_subplot(), methods, fn, x, mark_optimal=mark_optimal)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def error_explorer(methods: dict):
    """An ipywidgets control: pick a function and a point, see the error curves.

    The plot is an Image widget redrawn when a control changes. (No Output widget and
    no `interact`: their captured output can hang a notebook run without a browser.)
    """
    import ipywidgets as widgets

    by_name = {fn.name: fn for fn in SCALAR}
    function = widgets.Dropdown(options=list(by_name), value="sin(x)", description="f(x)")
    x = widgets.FloatSlider(value=1.0, min=-2.0, max=4.0, step=0.05, description="x",
                            continuous_update=False)
    mark = widgets.Checkbox(value=True, description="theoretical best steps")
    image = widgets.Image(format="png")

    def draw(_=None):
        fn = by_name[function.value]
        image.value = render_step_errors(methods, fn, float(np.clip(x.value, *fn.domain)),
                                         mark.value)

    for control in (function, x, mark):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([function, x, mark]), image])
