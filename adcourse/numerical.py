"""Plots and widgets of chapter 01_numerical: the error of a finite difference against h.

`plot_step_errors` draws the V-shaped curves on log-log axes, with each method's error
model (truncation plus round-off, with the constants the chapter derives) as a dotted
line; `step_error_table` prints the predicted and the measured best steps;
`error_explorer` wraps the plot in ipywidgets controls. They take the student's own
methods, and leave out (and name) any method that is not implemented yet, so that they
work at every stage of the chapter.
"""
from __future__ import annotations

import io

import numpy as np

from .functions import SCALAR
from .i18n import _

EPS = np.finfo(float).eps
#: Unit roundoff: rounding to the nearest double makes a relative error of at most U.
U = EPS / 2

#: The best steps of the error models for a function whose value and derivatives have
#: similar sizes (|f| = |f''| = |f'''| = |f^(5)|): 2 sqrt(u), (3u)^(1/3), (360u)^(1/5).
OPTIMAL_STEP = {
    "forward": 2 * np.sqrt(U),
    "central": (3 * U) ** (1 / 3),
    "Richardson": (360 * U) ** (1 / 5),
}

#: Line styles: the central difference is thick and the complex step dashed (they coincide
#: where truncation dominates), the forward difference dotted (its round-off arm lies on
#: the others').
STYLES = {
    "forward": dict(color="C0", linewidth=1.5, marker=".", markevery=3, markersize=5),
    "central": dict(color="C1", linewidth=4, alpha=0.55),
    "Richardson": dict(color="C2", linewidth=1.5),
    "complex step": dict(color="C3", linewidth=1.5, linestyle="--"),
}


def derivatives(fn, x: float) -> dict[int, float]:
    """f(x) and f^(k)(x) for k = 1, 2, 3, 5: f' is the catalogue's exact derivative, the
    others are central differences of f' with steps large enough for round-off not to
    matter (a few correct digits: enough for an error model)."""
    d = fn.df
    a, b, c = 1e-4, 1e-3, 1e-2
    return {0: float(fn(x)), 1: float(d(x)), 2: float((d(x + a) - d(x - a)) / (2 * a)),
            3: float((d(x + b) - 2 * d(x) + d(x - b)) / b**2),
            5: float((d(x + 2 * c) - 4 * d(x + c) + 6 * d(x) - 4 * d(x - c) + d(x - 2 * c)) / c**4)}


def model_errors(label: str, fn, x: float, hs) -> np.ndarray | None:
    """The error model of a method: its leading truncation term plus the round-off of
    its function values (each value rounded with relative error U). None for a method
    the model does not know."""
    hs = np.asarray(hs, dtype=float)
    d = derivatives(fn, x)

    def size(t):
        return np.abs(fn(t))

    with np.errstate(all="ignore"):
        if label == "forward":
            return hs / 2 * abs(d[2]) + U * (size(x + hs) + size(x)) / hs
        if label == "central":
            return hs**2 / 6 * abs(d[3]) + U * (size(x + hs) + size(x - hs)) / (2 * hs)
        if label == "Richardson":  # (4 D(h/2) - D(h)) / 3
            return (hs**4 / 480 * abs(d[5]) + 4 / 3 * U * (size(x + hs / 2) + size(x - hs / 2)) / hs
                    + 1 / 3 * U * (size(x + hs) + size(x - hs)) / (2 * hs))
        if label == "complex step":
            return hs**2 / 6 * abs(d[3]) + U * abs(d[1])
    return None


def predicted_best(label: str, fn, x: float) -> tuple[float, float] | None:
    """(h*, E(h*)) where the error model is smallest, by the chapter's formulas:
    forward h* = 2 sqrt(u|f|/|f''|), E = 2 sqrt(u|f||f''|); central h* = (3u|f|/|f'''|)^(1/3),
    E = h*^2 |f'''| / 2; Richardson h* = (360u|f|/|f^(5)|)^(1/5), E = h*^4 |f^(5)| / 96.
    None where a term vanishes (then the model has no minimum) and for the complex step."""
    order = {"forward": 2, "central": 3, "Richardson": 5}.get(label)
    if order is None:
        return None
    d = derivatives(fn, x)
    f, m = abs(d[0]), abs(d[order])
    if f < 1e-300 or m < 1e-300:
        return None
    if label == "forward":
        return 2 * np.sqrt(U * f / m), 2 * np.sqrt(U * f * m)
    if label == "central":
        h = (3 * U * f / m) ** (1 / 3)
        return h, h**2 * m / 2
    h = (360 * U * f / m) ** (1 / 5)
    return h, h**4 * m / 96


def errors_over_steps(method, fn, x, hs) -> np.ndarray:
    """|method(fn, x, h) - fn'(x)| for each h (a zero error is shown as 1e-17)."""
    exact = fn.df(x)
    with np.errstate(all="ignore"):
        errors = np.array([abs(float(np.real(method(fn, x, h))) - exact) for h in hs])
    return np.maximum(errors, 1e-17)


HS = np.logspace(-1, -16, 151)


def plot_step_errors(ax, methods: dict, fn=SCALAR[0], x: float = 1.0,
                     hs=HS, mark_optimal: bool = True) -> list[str]:
    """Draw each method's error against h on `ax`; return the names left out.

    A method is left out when it raises (for example `NotImplementedError` for an
    exercise not answered yet). A dot marks each curve's smallest measured error; with
    `mark_optimal`, a dotted line draws the error model and a diamond its minimum.
    """
    from matplotlib.lines import Line2D

    missing = []
    for i, (label, method) in enumerate(methods.items()):
        style = STYLES.get(label, dict(color=f"C{4 + i}", linewidth=1.5))
        try:
            errors = errors_over_steps(method, fn, x, hs)
        except Exception:
            missing.append(label)
            continue
        ax.loglog(hs, errors, label=label, **style)
        best = int(np.argmin(errors))
        ax.plot(hs[best], errors[best], "o", color=style["color"], markersize=6, zorder=5)
        model = model_errors(label, fn, x, hs) if mark_optimal else None
        if model is not None:
            ax.loglog(hs, np.maximum(model, 1e-17), ":", color="black", linewidth=1.1, zorder=4)
            predicted = predicted_best(label, fn, x)
            if predicted is not None:
                ax.plot(*predicted, "D", markerfacecolor="white", color=style["color"], markersize=7,
                        markeredgewidth=1.5, zorder=6)
    ax.set_xlabel(_("step h (units of x)"))
    ax.set_ylabel(_("absolute error |estimate - f'(x)|"))
    ax.set_title(_("Error against step: f(x) = {function} at x = {x}").format(function=fn.name, x=f"{x:g}"))
    ax.set_ylim(3e-18, 1e3)
    ax.grid(True, which="major", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        extra = [Line2D([], [], color="grey", marker="o", linestyle="", label=_("smallest error measured"))]
        if mark_optimal:
            extra += [Line2D([], [], color="black", linestyle=":", label=_("error models (slopes 1, 2, 4; -1)")),
                      Line2D([], [], color="grey", marker="D", markerfacecolor="white", linestyle="",
                             label=_("model's best step and error"))]
        ax.legend(handles=handles + extra, loc="upper center", ncol=2, fontsize=7.5, framealpha=0.9)
    if missing:
        ax.text(0.98, 0.02, _("not implemented yet: {names}").format(names=", ".join(missing)), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color="grey")
    return missing


def step_error_table(methods: dict, fn=SCALAR[0], x: float = 1.0, hs=HS) -> list[dict]:
    """For each method that runs: the model's best step and error, and the smallest error
    measured on the grid `hs`, with its step. A method with no round-off arm (the complex
    step: no model, "model h" None) has no best step to find; its row gives instead the
    largest error over the steps h <= `FLAT_BELOW` ("measured h" None, "flat error")."""
    rows = []
    for label, method in methods.items():
        try:
            errors = errors_over_steps(method, fn, x, hs)
        except Exception:
            continue
        best = int(np.argmin(errors))
        predicted = predicted_best(label, fn, x)
        if predicted is None:
            rows.append({"method": label, "model h": None, "model error": None, "measured h": None,
                         "measured error": None,
                         "flat error": float(np.max(np.asarray(errors)[np.asarray(hs) <= FLAT_BELOW]))})
            continue
        rows.append({"method": label, "model h": predicted[0], "model error": predicted[1],
                     "measured h": float(hs[best]), "measured error": float(errors[best])})
    return rows


#: Steps at and below which the complex step's error is read as flat (step_error_table).
FLAT_BELOW = 1e-8


def render_step_errors(methods: dict, fn=SCALAR[0], x: float = 1.0,
                       mark_optimal: bool = True) -> bytes:
    """The error curves as PNG bytes (drawn off-screen, shown by the caller)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5))
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
    mark = widgets.Checkbox(value=True, description=_("error models"))
    image = widgets.Image(format="png")

    def draw(_change=None):
        fn = by_name[function.value]
        image.value = render_step_errors(methods, fn, float(np.clip(x.value, *fn.domain)),
                                         mark.value)

    for control in (function, x, mark):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([function, x, mark]), image])
