"""Pictures for chapter 03_forward: the tangent line that one forward pass gives.

`tangent_explorer(derivative, second_derivative)` is a small ipywidgets control: pick a
function of the catalogue and a point x; the plot shows f, its tangent line
f(x) + f'(x) (t - x) with f'(x) from *your* `derivative`, and, once
`second_derivative` works, the osculating parabola that adds f''(x) (t - x)**2 / 2.
A wrong derivative shows at once: the line crosses the curve instead of touching it.

`plot_jacobian_cost(axes, jacobian_forward, Dual, fn)` shows what a full Jacobian by
forward mode costs as the number of inputs n grows: the dual numbers it creates
(counted, `count_duals`) and its time (`best_seconds`: the best of several repeats).
`forward_gradient` and `forward_units` give chapter 04's plot a forward-mode gradient
whose work units are counted as it runs.
"""
from __future__ import annotations

import gc
import io
import math
import time

import numpy as np

from .functions import DUAL_JACOBIAN, DUAL_SCALAR
from .i18n import _


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
        ax.plot(t, fx + slope * (t - x), color="tab:blue",
                label=_("tangent: slope f'(x) = {slope}").format(slope=f"{slope:.4g}"))
        lines.append(_("your f'(x) = {slope}, true {exact}").format(slope=f"{slope:.6g}",
                                                                     exact=f"{float(fn.df(x)):.6g}"))
        if second_derivative is not None:
            curvature = float(second_derivative(fn, x))
            ax.plot(t, fx + slope * (t - x) + 0.5 * curvature * (t - x) ** 2, "--", color="tab:orange",
                    label=_("parabola: f''(x) = {curvature}").format(curvature=f"{curvature:.4g}"))
    except NotImplementedError:
        lines.append(_("derivative (or second_derivative) is not implemented yet"))
    ax.plot([x], [fx], "o", color="tab:red")
    values = fn(t)
    span = float(np.max(values) - np.min(values)) or 1.0
    ax.set_ylim(float(np.min(values)) - 0.3 * span, float(np.max(values)) + 0.3 * span)
    ax.set_xlabel("t")
    ax.set_ylabel("f(t)")
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

    def draw(_change=None):
        fn = DUAL_SCALAR[choice.value]
        image.value = render_tangent(fn, min(max(x.value, fn.domain[0]), fn.domain[1]),
                                     derivative, second_derivative)

    def domain(_change=None):
        fn = DUAL_SCALAR[choice.value]
        x.min, x.max = -1e9, 1e9  # widen first so that min <= max holds at every step
        x.min, x.max = fn.domain
        x.value = min(max(x.value, fn.domain[0]), fn.domain[1])
        draw()

    choice.observe(domain, names="value")
    x.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([choice, x]), image])


# --- the cost of a full Jacobian -------------------------------------------------------------

def best_seconds(runs, repeat: int = 5, budget: float = 0.02) -> list[float]:
    """Seconds per call of each function of `runs`: the best of `repeat` measurements, each
    timing enough calls in a row (at least `budget` seconds, or one call) for the clock to
    resolve them. The measurements are interleaved (each repeat times every run in turn),
    so that a change in the machine's load falls on all of them alike, and the garbage
    collector is paused, as the standard library's `timeit` does."""
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        numbers = []
        for run in runs:
            start = time.perf_counter()
            run()
            once = time.perf_counter() - start
            numbers.append(max(1, math.ceil(budget / max(once, 1e-9))))
        best = [math.inf] * len(runs)
        for _ in range(repeat):
            for k, (run, number) in enumerate(zip(runs, numbers)):
                start = time.perf_counter()
                for _ in range(number):
                    run()
                best[k] = min(best[k], (time.perf_counter() - start) / number)
        return best
    finally:
        if collecting:
            gc.enable()


def count_duals(Dual, run):
    """(run(), the number of `Dual` objects created while it ran): every operation on dual
    numbers creates one, and so does every seed. Counts the calls of `Dual.__init__`
    (a student's class too), and restores it afterwards."""
    original, created = Dual.__init__, [0]

    def counting(self, *args, **kwargs):
        created[0] += 1
        original(self, *args, **kwargs)

    Dual.__init__ = counting
    try:
        return run(), created[0]
    finally:
        Dual.__init__ = original


def jacobian_cost(jacobian_forward, Dual, fn=DUAL_JACOBIAN[3], ns=(2, 4, 8, 16, 32, 64, 128),
                  repeat: int = 5) -> dict:
    """{"n", "passes", "duals", "seconds"} for the full Jacobian of `fn` at n points of
    [0.1, 1]: n forward passes, the Dual numbers they create, and the seconds per Jacobian
    (the best of `repeat` measurements, interleaved over the sizes: `best_seconds`)."""
    points = [np.linspace(0.1, 1.0, n) for n in ns]
    runs = [lambda x=x: jacobian_forward(fn, x) for x in points]
    return {"n": list(ns), "passes": list(ns), "duals": [count_duals(Dual, run)[1] for run in runs],
            "seconds": best_seconds(runs, repeat)}


def plot_jacobian_cost(axes, jacobian_forward, Dual, fn=DUAL_JACOBIAN[3],
                       ns=(2, 4, 8, 16, 32, 64, 128)) -> dict | None:
    """Two log-log plots against n: the Dual numbers created by the n passes of a full
    Jacobian, with the passes themselves and a slope-2 reference (below the counts, so
    that both show); and the seconds per Jacobian, with references of slopes 2 and 1
    through the largest n. None, and a note on the
    plots, while `jacobian_forward` (or what it uses) is not implemented."""
    left, right = axes
    try:
        cost = jacobian_cost(jacobian_forward, Dual, fn, ns)
    except NotImplementedError:
        for ax in axes:
            ax.text(0.5, 0.5, _("jacobian_forward is not implemented yet"), ha="center",
                    transform=ax.transAxes)
        return None
    n = np.array(cost["n"], dtype=float)
    duals, seconds = np.array(cost["duals"], dtype=float), np.array(cost["seconds"])
    left.loglog(n, duals, "o-", label=_("Dual numbers created (all n passes)"))
    left.loglog(n, n, "s--", label=_("forward passes (n)"))
    left.loglog(n, duals[-1] / 4 * (n / n[-1]) ** 2, ":", color="grey",
                label=_("slope 2 (reference, shifted down)"))
    left.set_xlabel(_("number of inputs n"))
    left.set_ylabel(_("count"))
    left.set_title(_("Operations: Dual numbers created"))
    left.legend(fontsize=8)
    right.loglog(n, seconds, "o-", label=_("full Jacobian by forward mode"))
    right.loglog(n, seconds[-1] * (n / n[-1]) ** 2, ":", color="grey", label=_("slope 2 (reference)"))
    right.loglog(n, seconds[-1] * (n / n[-1]), "-.", color="grey", label=_("slope 1 (reference)"))
    right.set_xlabel(_("number of inputs n"))
    right.set_ylabel(_("seconds per Jacobian (best of 5)"))
    right.set_title(_("Time (best of 5 repeats)"))
    right.legend(fontsize=8)
    return cost


# --- forward-mode gradients, their operations counted (chapter 04's cheap-gradient plot) -----
#
# Work units: an operation costs 1 for its value, and 2 for each dual operand (an edge of
# the graph): its local derivative and the multiply-add that passes the tangent along.

_units = [0]  # work units of the operations of _Dual since the last reset


class _Dual:
    """A bare dual number for the forward-mode gradients of chapter 04's plot: + - * and
    ** number. Each operation adds its work units to `_units`: 1 for the value, and 2 (a
    local derivative and a multiply-add of a tangent) for each dual operand (each edge)."""

    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = value, tangent

    @staticmethod
    def _edges(count):
        _units[0] += 1 + 2 * count

    def __add__(self, other):
        if isinstance(other, _Dual):
            self._edges(2)
            return _Dual(self.value + other.value, self.tangent + other.tangent)
        self._edges(1)
        return _Dual(self.value + other, self.tangent)

    def __mul__(self, other):
        if isinstance(other, _Dual):
            self._edges(2)
            return _Dual(self.value * other.value, self.tangent * other.value + self.value * other.tangent)
        self._edges(1)
        return _Dual(self.value * other, self.tangent * other)

    def __neg__(self):
        self._edges(1)
        return _Dual(-self.value, -self.tangent)

    def __sub__(self, other):
        if isinstance(other, _Dual):
            self._edges(2)
            return _Dual(self.value - other.value, self.tangent - other.tangent)
        self._edges(1)
        return _Dual(self.value - other, self.tangent)

    def __rsub__(self, other):
        self._edges(1)
        return _Dual(other - self.value, -self.tangent)

    def __pow__(self, n):
        self._edges(1)
        return _Dual(self.value ** n, n * self.value ** (n - 1) * self.tangent)

    __radd__, __rmul__ = __add__, __mul__


def forward_gradient(f, x) -> list[float]:
    """The gradient of f at the list of numbers x by forward mode: n passes, one per input."""
    return [f(*[_Dual(v, 1.0 if i == j else 0.0) for i, v in enumerate(x)]).tangent
            for j in range(len(x))]


def forward_units(f, x) -> int:
    """The work units of the n passes of `forward_gradient(f, x)`, counted as they run."""
    _units[0] = 0
    forward_gradient(f, x)
    return _units[0]
