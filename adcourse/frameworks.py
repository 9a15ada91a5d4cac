"""The helpers of chapter 09_frameworks: JAX set up for the course, exact lasso solutions,
fixed points, and the unrolled derivatives that implicit differentiation is checked against.

JAX computes in float32 unless told otherwise; the course compares derivatives to 1e-10,
so `use_float64()` (called on import) turns on its 64-bit mode. Nothing here is a
student's exercise: `lasso_exact` and `fixed_point` give the hidden tests inputs whose
answers are known to the last bits, and `unrolled_fixed_point_grad` the derivative that
differentiating k iterations of the map gives, which tends to the implicit one as k grows.
"""
from __future__ import annotations

import numpy as np

from .i18n import _
from .nonsmooth import lasso_objective, optimality_residual

__all__ = ["fixed_point", "lasso_exact", "naive_softplus", "render_unrolling", "softplus", "softplus_derivatives",
           "sigmoid", "unrolled_fixed_point_grad", "unrolling_explorer", "use_float64"]


def use_float64() -> None:
    """Turn on JAX's 64-bit mode (jnp arrays of float64), as every cell of the chapter assumes."""
    import jax

    jax.config.update("jax_enable_x64", True)


def softplus(x):
    """log(1 + e^x) for NumPy floats or arrays, finite for every finite x:
    max(x, 0) + log1p(e^-|x|), the form whose exponential never overflows."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    """1 / (1 + e^-x) for NumPy floats or arrays, without overflow: e^x / (1 + e^x) for x < 0."""
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def naive_softplus(x):
    """log(1 + e^x) as written (NumPy): inf for x above about 709.78, where e^x overflows."""
    with np.errstate(over="ignore"):
        return np.log(1.0 + np.exp(np.asarray(x, dtype=float)))


def softplus_derivatives(function, xs, cotangent: float = 1.0):
    """(values, grads, pullbacks) of a scalar JAX function at each x of xs: function(x),
    jax.grad(function)(x) and the pullback jax.vjp(function, x)[1](cotangent), as float
    arrays (NaN where a call failed). They are computed where `function` lives: in the
    notebook's kernel, also when the grader holds the function (`adcourse.functions.in_kernel`)."""
    from .functions import SOFTPLUS_PROGRAM, in_kernel

    xs = np.asarray(xs, dtype=float)
    rows, _second, _third = in_kernel(SOFTPLUS_PROGRAM, function)((function, xs, np.full(xs.shape, float(cotangent))))
    rows = np.asarray(rows, dtype=float)
    return rows[0], rows[1], rows[3]


def fixed_point(T, x0, theta, tol=1e-15, steps=100_000):
    """x with x = T(x, theta), by iterating x <- T(x, theta) from x0 until the step is below
    tol (relative to |x|); raises RuntimeError if `steps` iterations do not get there."""
    x = np.asarray(x0, dtype=float)
    for _step in range(steps):
        nxt = np.asarray(T(x, theta), dtype=float)
        if np.max(np.abs(nxt - x)) <= tol * max(1.0, float(np.max(np.abs(nxt)))):
            return nxt
        x = nxt
    raise RuntimeError(_("no fixed point after {steps} iterations").format(steps=steps))


def unrolled_fixed_point_grad(T, dT_dx, dT_dtheta, x0, theta, g, k):
    """g^T dx_k/dtheta for x_(j+1) = T(x_j, theta), x_0 = x0 fixed: forward mode through
    k iterations (J_(j+1) = dT_dx J_j + dT_dtheta, J_0 = 0), the derivative that
    differentiating the unrolled loop gives. As k grows it tends to the implicit one at the
    fixed point, at the rate the map contracts."""
    x = np.asarray(x0, dtype=float)
    theta = np.asarray(theta, dtype=float)
    J = np.zeros((x.size, theta.size))
    for _step in range(k):
        J = np.asarray(dT_dx(x, theta)) @ J + np.asarray(dT_dtheta(x, theta))
        x = np.asarray(T(x, theta), dtype=float)
    return np.asarray(g, dtype=float) @ J


def lasso_exact(A, b, lam, margin=1e-6, steps=20_000):
    """The lasso solution of chapter 07 to the last bits, with exact zeros off its support.

    FISTA finds the support S; then x_S solves A_S^T (A_S x_S - b) + lam sign(x_S) = 0
    exactly (a linear system) and x is 0 elsewhere. Returns (x, S) as soon as that x keeps
    the signs and satisfies the optimality conditions with strict inequality off S
    (|A_i^T (A x - b)| < lam - margin), so that a small change of b keeps the support;
    raises ValueError when `steps` FISTA steps do not get there (a degenerate problem:
    draw another)."""
    A, b = np.asarray(A, dtype=float), np.asarray(b, dtype=float)
    L = np.linalg.norm(A, 2) ** 2
    x = y = np.zeros(A.shape[1])
    t = 1.0
    for done in range(1, steps + 1):
        z = y - A.T @ (A @ y - b) / L
        x_next = np.sign(z) * np.maximum(np.abs(z) - lam / L, 0.0)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y = x_next + (t - 1) / t_next * (x_next - x)
        x, t = x_next, t_next
        if done % 250 == 0 and (exact := _on_support(A, b, lam, x, margin)) is not None:
            return exact, np.flatnonzero(exact)
    raise ValueError(_("degenerate lasso problem: no strictly optimal support after {steps} FISTA steps").format(
        steps=steps))


def _on_support(A, b, lam, x, margin):
    """The exact solution on the support of x, if it is the lasso's strictly optimal one."""
    support = np.flatnonzero(x)
    if support.size == 0:
        return None
    As = A[:, support]
    s = np.sign(x[support])
    exact = np.zeros_like(x)
    exact[support] = np.linalg.solve(As.T @ As, As.T @ b - lam * s)
    g = A.T @ (A @ exact - b)
    off = np.setdiff1d(np.arange(A.shape[1]), support)
    if (np.sign(exact[support]) != s).any() or (off.size and np.max(np.abs(g[off])) >= lam - margin):
        return None
    if np.max(optimality_residual(A, b, lam, exact)) > 1e-8 * max(1.0, lam):
        return None
    if lasso_objective(A, b, lam, exact) > lasso_objective(A, b, lam, x) + 1e-12 * max(1.0, lasso_objective(A, b, lam, x)):
        return None
    return exact


# --- the explorer of section 4.2 ----------------------------------------------------------------

def _scaled_map(n: int, norm: float):
    """(T, dT_dx, dT_dtheta) of tanh(W x + theta) with the catalogue's W scaled to `norm`."""
    from .functions.frameworks import map_matrix

    W = map_matrix(n) * (norm / 0.6)

    def T(x, theta):
        return np.tanh(W @ x + theta)

    def dT_dx(x, theta):
        return (1 - np.tanh(W @ x + theta) ** 2)[:, None] * W

    def dT_dtheta(x, theta):
        return np.diag(1 - np.tanh(W @ x + theta) ** 2)
    return T, dT_dx, dT_dtheta


def render_unrolling(fixed_point_grad, norm: float, n: int = 6, k: int = 80, seed: int = 42) -> bytes:
    """A PNG: how far the derivative of k unrolled iterations of x <- tanh(W x + theta), from
    x_0 = 0, is from `fixed_point_grad`'s implicit one, for ||W|| = `norm`; with the spectral
    radius of dT_dx at x* and the iterations the unrolled one needs to come within 1e-10."""
    import io

    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    theta, g = 0.2 * rng.standard_normal(n), rng.standard_normal(n)   # small theta: tanh near its slope 1
    T, dT_dx, dT_dtheta = _scaled_map(n, norm)
    x_star = fixed_point(T, np.zeros(n), theta)
    implicit = np.asarray(fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g), dtype=float)
    ks = np.arange(1, k + 1)
    gaps = np.array([np.max(np.abs(unrolled_fixed_point_grad(T, dT_dx, dT_dtheta, np.zeros(n), theta, g, j) - implicit))
                     for j in ks])
    rate = float(np.max(np.abs(np.linalg.eigvals(dT_dx(x_star, theta)))))
    within = ks[gaps < 1e-10]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.semilogy(ks, np.maximum(gaps, 1e-17), label=_("unrolled k iterations vs implicit"))
    ax.semilogy(ks, gaps[0] * rate ** (ks - 1), ":", color="grey",
                label=_("rate^k, rate = {rate}").format(rate=f"{rate:.2f}"))
    ax.axhline(1e-10, color="red", lw=0.8)
    ax.set_ylim(1e-17, 10)
    ax.set_xlabel(_("iterations k"))
    ax.set_ylabel(_("largest difference"))
    if within.size:
        title = _("||W|| = {norm}: within 1e-10 after {count} iterations").format(norm=f"{norm:.2f}",
                                                                                 count=int(within[0]))
    else:
        title = _("||W|| = {norm}: within 1e-10 after more than {count} iterations").format(norm=f"{norm:.2f}",
                                                                                           count=k)
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def unrolling_explorer(fixed_point_grad):
    """An ipywidgets control: choose how strongly the map contracts (||W||), see how many
    unrolled iterations its derivative needs to reach the implicit one (an Image widget
    redrawn when the slider moves)."""
    import ipywidgets as widgets

    norm = widgets.FloatSlider(value=0.6, min=0.1, max=0.95, step=0.05, description="||W||",
                               continuous_update=False)
    image = widgets.Image(format="png")

    def draw(_change=None):
        image.value = render_unrolling(fixed_point_grad, norm.value)

    norm.observe(draw, names="value")
    draw()
    return widgets.VBox([norm, image])
