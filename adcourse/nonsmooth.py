"""Lasso problems, and the plot and the widget of chapter 07_nonsmooth.

The lasso minimises F(x) = 0.5 ||A x - b||^2 + lam ||x||_1. `lasso_problem` draws one
(seeded, with a sparse true x), `lasso_objective` evaluates F, `lam_max` is the
smallest lam for which x = 0 is the solution, and `optimality_residual` measures how
far x is from the optimality condition 0 in the subdifferential of F. `plot_convergence`
draws the objective gap of several methods on log-log axes, with reference slopes, and
`sparsity_explorer` shows how lam sets the solution's sparsity. Both take the student's
own functions and show a message in place of any that is not implemented yet, so they
work at every stage of the chapter.
"""
from __future__ import annotations

import io

import numpy as np

from .i18n import _

#: A gap below this is drawn at this height (log axes cannot show 0).
SMALLEST_GAP = 1e-16


def lasso_problem(m: int = 60, n: int = 100, k: int = 8, noise: float = 0.1, seed: int = 0,
                  correlation: float = 0.0):
    """(A, b, x_true): A of shape (m, n) with standard normal entries, x_true with k
    nonzeros (sizes between 1 and 2, random signs), b = A x_true + noise * N(0, 1).

    With `correlation` rho > 0, columns i and j of A have correlation rho**|i - j|: A^T A
    is then badly conditioned and first-order methods slow down.
    """
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    if correlation:
        distance = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
        A = A @ np.linalg.cholesky(correlation ** distance).T
    x_true = np.zeros(n)
    support = rng.choice(n, size=k, replace=False)
    x_true[support] = rng.choice([-1.0, 1.0], size=k) * rng.uniform(1.0, 2.0, size=k)
    b = A @ x_true + noise * rng.standard_normal(m)
    return A, b, x_true


def lasso_objective(A, b, lam, x) -> float:
    """F(x) = 0.5 ||A x - b||^2 + lam ||x||_1, as a float."""
    residual = A @ x - b
    return float(0.5 * residual @ residual + lam * np.sum(np.abs(x)))


def lam_max(A, b) -> float:
    """max_i |A_i^T b|: for every lam at least this, x = 0 solves the lasso (the
    subdifferential of lam ||x||_1 at 0 is [-lam, lam] in each coordinate, and the
    gradient of the smooth part at 0 is -A^T b)."""
    return float(np.max(np.abs(A.T @ b)))


def optimality_residual(A, b, lam, x) -> np.ndarray:
    """How far each coordinate of x is from the optimality condition 0 in dF(x).

    With g = A^T (A x - b): |g_i + lam sign(x_i)| where x_i != 0 (there the subdifferential
    of lam |x_i| is the single value lam sign(x_i)), and max(|g_i| - lam, 0) where x_i = 0
    (there it is the interval [-lam, lam]). All zeros exactly at a solution.
    """
    g = A.T @ (A @ x - b)
    return np.where(x != 0, np.abs(g + lam * np.sign(x)), np.maximum(np.abs(g) - lam, 0.0))


def _not_available(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")


def plot_convergence(ax, methods: dict, A, b, lam, steps: int = 500,
                     best: float | None = None, references: dict | None = None) -> list[str]:
    """Draw F(x_k) - F* against k on log-log axes, k = 1..steps, for each method; return
    the names left out.

    `methods` maps a label to a function called as method(A, b, lam, steps=steps) that
    returns (x, objectives). A method that raises (NotImplementedError for an exercise
    not answered yet) is left out and named on the plot. `best` is F*, the optimal value
    (estimate it by running FISTA for many steps); by default the smallest value seen.
    `references` maps a label to (values, fmt): a reference curve (a rate's slope, or a
    bound) with its values at k = 1..steps, drawn thin in the matplotlib format `fmt`.
    On log-log axes a rate C / k^p is a straight line of slope -p; k = 0 is left out.
    """
    runs, missing = {}, []
    for label, method in methods.items():
        try:
            with np.errstate(all="ignore"):
                runs[label] = np.asarray(method(A, b, lam, steps=steps)[1], dtype=float)
        except Exception:
            missing.append(label)
    if best is None and runs:
        best = min(float(np.nanmin(objectives)) for objectives in runs.values())
    for label, objectives in runs.items():
        gap = np.maximum(objectives - best, SMALLEST_GAP)
        ax.loglog(np.arange(1, len(objectives)), gap[1:], linewidth=1.8, label=label)
    for label, (values, fmt) in (references or {}).items():
        values = np.asarray(values, dtype=float)
        ax.loglog(np.arange(1, len(values) + 1), values, fmt, linewidth=1.0, label=label)
    ax.set_xlabel(_("iteration k (log scale)"))
    ax.set_ylabel(_("objective gap F(x_k) - F* (log scale)"))
    ax.set_title(_("lasso with A of shape {shape}, lam = {lam}").format(shape=A.shape, lam=f"{lam:.3g}"))
    ax.grid(True, which="major", alpha=0.3)
    if runs or references:
        ax.legend(loc="lower left", fontsize=8)
    if not runs:
        _not_available(ax, _("no method is implemented yet"))
    if missing:
        ax.text(0.02, 0.98, _("not implemented yet: {names}").format(names=", ".join(missing)), transform=ax.transAxes,
                fontsize=8, color="grey", va="top")
    return missing


def plot_coefficients(ax, solver, A, b, lam, x_true=None, steps: int = 300) -> int | None:
    """Stem plot of solver(A, b, lam, steps=steps)[0] (and x_true as circles); return
    its number of nonzeros, or None when the solver is not available."""
    try:
        with np.errstate(all="ignore"):
            x = np.asarray(solver(A, b, lam, steps=steps)[0], dtype=float)
    except NotImplementedError:
        _not_available(ax, _("the solver is not implemented yet"))
        return None
    except Exception as exc:
        _not_available(ax, _("the solver raised {error}: {message}").format(error=type(exc).__name__,
                                                                            message=str(exc)[:60]))
        return None
    stems = ax.stem(np.arange(len(x)), x, basefmt="grey", label=_("lasso solution"))
    stems.markerline.set_markersize(4)
    nonzeros = int(np.count_nonzero(x))
    if x_true is None:
        title = _("lam = {lam}: {nonzeros} nonzero coefficients of {size}").format(
            lam=f"{lam:.3g}", nonzeros=nonzeros, size=len(x))
    else:
        support = np.flatnonzero(x_true)
        ax.plot(support, x_true[support], "o", mfc="none", color="C1", label=_("true x (nonzeros)"))
        title = _("lam = {lam}: {nonzeros} nonzero coefficients of {size}, {found} of the {true} true ones").format(
            lam=f"{lam:.3g}", nonzeros=nonzeros, size=len(x), found=np.count_nonzero(x[support]),
            true=len(support))
    ax.set_title(title)
    ax.set_xlabel(_("coefficient i"))
    ax.set_ylabel(_("value of x_i"))
    ax.legend(loc="upper right", fontsize=8)
    return nonzeros


def render_coefficients(solver, A, b, lam, x_true=None, steps: int = 300) -> bytes:
    """The stem plot as PNG bytes (drawn off-screen, shown by the caller)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.8))
    plot_coefficients(fig.add_subplot(), solver, A, b, lam, x_true, steps)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def sparsity_explorer(solver, A, b, x_true=None, steps: int = 300):
    """An ipywidgets control: choose lam on a log scale, see the solution's coefficients.

    The plot is an Image widget redrawn when the slider moves. (No Output widget and no
    `interact`: their captured output can hang a notebook run without a browser.)
    """
    import ipywidgets as widgets

    top = np.log10(lam_max(A, b))
    lam = widgets.FloatLogSlider(value=10 ** (top - 1), base=10, min=top - 3, max=top + 0.2,
                                 step=0.05, description="lam", continuous_update=False)
    image = widgets.Image(format="png")

    def draw(_change=None):
        image.value = render_coefficients(solver, A, b, lam.value, x_true, steps)

    lam.observe(draw, names="value")
    draw()
    return widgets.VBox([lam, image])
