"""Plots and widgets of chapter 05_matrix_calculus: is G the gradient of f at X?

If G is the gradient, f(X + tV) = f(X) + t <G, V> + O(t^2) along every direction V: the
remainder |f(X + tV) - f(X) - t <G, V>| falls like t**2 (slope 2 on log-log axes). A
wrong G (a transposed one, a missing factor) leaves an error of order t (slope 1).
`plot_first_order_check` draws both for a gradient function; `first_order_explorer` lets
the matrix X (2 x 2) be chosen with sliders. Gradients that are not implemented yet are
named instead of drawn, so the plot works at every stage of the chapter.

The second half holds the numerical checks and demonstrations of the chapter's other
sections, written independently of the exercises (so they run before any is answered):
central differences of matrix functions (`directional_difference`, `directional_check`,
`jacobian_by_differences`, in the vec layout of `vec`), softmax cross-entropy unfused and
fused, and Newton's method against gradient descent on a logistic regression.
"""
from __future__ import annotations

import io

import numpy as np

from .i18n import _

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
        ax.text(0.5, 0.5, _("{name}: gradient not available ({error})").format(name=name, error=type(exc).__name__),
                ha="center", transform=ax.transAxes, color="grey")
        return False
    ax.loglog(ts, remainders(f, G, X, V, ts), "o-", ms=3, label=_("your gradient G"))
    if G.ndim == 2 and G.shape[0] == G.shape[1] and not np.allclose(G, G.T):
        ax.loglog(ts, remainders(f, G.T, X, V, ts), "s-", ms=3, label=_("its transpose G^T"))
    scale = remainders(f, G, X, V, ts)[-1]
    ax.loglog(ts, scale * ts**2, ":", color="grey", label=_("slope 2 (t**2)"))
    ax.loglog(ts, scale * ts, "--", color="grey", label=_("slope 1 (t)"))
    ax.set_xlabel(_("step t along the direction V (no unit)"))
    ax.set_ylabel(_("remainder |f(X + tV) - f(X) - t <G, V>|"))
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
            ax.text(0.5, 0.5, _("X is (nearly) singular: move a slider"), ha="center",
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

    def draw(_change=None):
        X = np.array([[entries[0].value, entries[1].value], [entries[2].value, entries[3].value]])
        f, gradient = functions[choice.value]
        image.value = render_first_order_check(f, gradient, X, choice.value)

    for control in (*entries, choice):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([choice]), widgets.HBox(entries[:2]),
                         widgets.HBox(entries[2:]), image])


# ---------------------------------------------------------------------------------------
# Numerical checks of the identities the chapter adds (Hadamard, vec and Kronecker,
# layouts, second differentials), and the demonstrations of Sections 5 and 7.


def vec(M) -> np.ndarray:
    """The columns of M stacked into one vector (column-major, `M.reshape(-1, order="F")`):
    the vec of The Matrix Cookbook and of the 矩阵求导术 notes."""
    return np.asarray(M, dtype=float).reshape(-1, order="F")


def directional_difference(F, X, V, h: float = 1e-6) -> np.ndarray:
    """(F(X + hV) - F(X - hV)) / (2h): the differential dF at X along dX = V, by central
    differences (F may return a number or an array)."""
    return (np.asarray(F(X + h * V), dtype=float) - np.asarray(F(X - h * V), dtype=float)) / (2 * h)


def relative_difference(a, b) -> float:
    """max |a - b| / max(|a|, |b|) over the entries (0.0 when both are zero)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    return 0.0 if scale == 0.0 else float(np.max(np.abs(a - b))) / scale


def directional_check(f, G, X, seed: int = 0, h: float = 1e-6) -> float:
    """The relative difference between <G, V> and the central difference of f along a
    random direction V of the shape of X: about 1e-9 or less when G is the gradient."""
    V = np.random.default_rng(seed).normal(size=np.shape(X))
    return relative_difference(np.sum(np.asarray(G) * V), directional_difference(f, X, V, h))


def jacobian_by_differences(F, X, h: float = 1e-6) -> np.ndarray:
    """The Jacobian of the matrix function F at X in vec layout: the matrix J with
    vec(dF) = J vec(dX), of shape (F(X).size, X.size) (numerator layout); column k is the
    central difference along the k-th entry of vec(X)."""
    X = np.asarray(X, dtype=float)
    columns = []
    for k in range(X.size):
        E = np.zeros(X.size)
        E[k] = 1.0
        columns.append(vec(directional_difference(F, X, E.reshape(X.shape, order="F"), h)))
    return np.column_stack(columns)


def softmax(z) -> np.ndarray:
    """softmax(z), computed as exp(z - max z) normalised (no overflow)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / e.sum()


def cross_entropy_unfused(z, y):
    """(L, dL/dz) for L = -y^T log p, p = softmax(z), in two steps as a chain of
    layers would: the loss from log p, the gradient as the vector-Jacobian product
    J^T (-y / p) with the explicit (k, k) Jacobian J = diag(p) - p p^T."""
    p = softmax(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -np.sum(np.asarray(y) * np.log(p))
        J = np.diag(p) - np.outer(p, p)
        return float(loss), J.T @ (-np.asarray(y) / p)


def cross_entropy_fused(z, y):
    """(L, dL/dz) for the same L in one step: log p = z - logsumexp(z), and the gradient
    (sum y) p - y (which is p - y when y sums to 1), without any (k, k) matrix."""
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    top = np.max(z)
    logsumexp = top + np.log(np.sum(np.exp(z - top)))
    return float(-np.sum(y * (z - logsumexp))), np.sum(y) * softmax(z) - y


def sigmoid(t) -> np.ndarray:
    """1 / (1 + exp(-t)), computed as (1 + tanh(t/2)) / 2 (no overflow)."""
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(t, dtype=float)))


def logistic_data(n: int = 200, seed: int = 0):
    """(X, y): n examples with an intercept and two features (X of shape (n, 3)) and
    labels y in {0, 1} drawn from the logistic model with weights (0.5, -2, 1); the two
    classes overlap, so the loss has a finite minimiser."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    y = (rng.random(n) < sigmoid(X @ np.array([0.5, -2.0, 1.0]))).astype(float)
    return X, y


def logistic_hessian(w, X) -> np.ndarray:
    """X^T diag(p (1 - p)) X / n with p = sigmoid(X w): the Hessian of the mean logistic loss."""
    p = sigmoid(X @ w)
    return X.T @ (X * (p * (1 - p))[:, None]) / len(X)


def descent_rate(X) -> float:
    """1 / L with L = lambda_max(X^T X) / (4 n), a bound on the Hessian's largest
    eigenvalue (p (1 - p) <= 1/4): the classic safe step of gradient descent."""
    return 4 * len(X) / np.linalg.eigvalsh(X.T @ X)[-1]


def minimise_logistic(X, y, gradient, steps: int = 60):
    """Gradient norms ||grad L(w_k)|| for k = 0..steps, from w_0 = 0, of Newton's method
    (w <- w - H^-1 g) and of gradient descent with the step `descent_rate(X)`, and the
    predicted factor per step of gradient descent near the minimiser w*,
    1 - lambda_min(H(w*)) / L, with `gradient(w, X, y)` the gradient of the mean logistic
    loss (the notebook passes the student's `grad_logistic_regression`: nothing here
    computes it). Returns (newton, descent, factor, w*)."""
    norms = {"newton": [], "descent": []}
    for method in norms:
        w = np.zeros(X.shape[1])
        for _step in range(steps + 1):
            g = np.asarray(gradient(w, X, y), dtype=float)
            norms[method].append(float(np.linalg.norm(g)))
            if method == "newton":
                w = w - np.linalg.solve(logistic_hessian(w, X), g)
            else:
                w = w - descent_rate(X) * g
        if method == "newton":
            w_star = w
    factor = 1 - np.linalg.eigvalsh(logistic_hessian(w_star, X))[0] * descent_rate(X)
    return np.array(norms["newton"]), np.array(norms["descent"]), float(factor), w_star


def plot_minimisation(ax, X, y, gradient, steps: int = 60):
    """Gradient norm against the iteration for Newton's method (drawn until it reaches
    round-off) and gradient descent on the logistic loss, with a reference line of the
    predicted linear rate of gradient descent, drawn a decade above its curve (semi-log
    axes: a linear rate is a straight line)."""
    newton, descent, factor, _w_star = minimise_logistic(X, y, gradient, steps)
    k = np.arange(steps + 1)
    last = int(np.argmax(newton < 1e-15)) if np.any(newton < 1e-15) else steps
    ax.semilogy(k[:last + 1], newton[:last + 1], "o-", ms=4, label=_("Newton: w - H^-1 g (until round-off)"))
    ax.semilogy(k, descent, "s-", ms=3, label=_("gradient descent, step 1/L_max"))
    ax.semilogy(k, 10 * descent[-1] * factor ** (k - steps), "--", color="grey",
                label=_("reference slope: factor {factor} per step").format(factor=f"{factor:.3f}"))
    ax.set_xlabel(_("iteration k"))
    ax.set_ylabel(_("gradient norm ||grad L(w_k)|| (no unit)"))
    ax.set_title(_("Logistic regression: Newton's method against gradient descent"))
    ax.set_ylim(1e-17, 10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
