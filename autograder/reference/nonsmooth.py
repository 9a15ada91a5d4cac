"""Reference answers of chapter 07_nonsmooth: subgradients and proximal gradient methods.

The one source of the chapter's solution code (`autograder build` copies it into
`solutions/07_nonsmooth/nonsmooth.ipynb`). The lasso minimises

    F(x) = f(x) + g(x),   f(x) = 0.5 ||A x - b||^2  (smooth),   g(x) = lam ||x||_1  (not)

with grad f(x) = A^T (A x - b), Lipschitz with constant L = ||A||_2^2 (the largest
eigenvalue of A^T A). Every method starts at x_0 = 0 and returns (x, objectives):
x is its last iterate x_steps and `objectives` the 1-D float array
[F(x_0), F(x_1), ..., F(x_steps)] of length steps + 1, so objectives[-1] = F(x).
"""
import numpy as np

from adcourse.nonsmooth import lasso_objective


def subgradient_abs(x):
    """A subgradient of |x| at each element of x: sign(x) where x != 0, and at 0 any value
    in [-1, 1] (np.sign chooses 0). Same shape as x, floats; x is not modified."""
    return np.sign(np.asarray(x, dtype=float))


def soft_threshold(x, lam):
    """The proximal operator of lam ||.||_1 at x: argmin_z 0.5 ||z - x||^2 + lam ||z||_1,

        z_i = sign(x_i) max(|x_i| - lam, 0)

    (move each element lam towards 0, and stop at 0). Same shape as x; x is not modified."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.maximum(np.abs(x) - lam, 0.0)


def ista(A, b, lam, steps=500, step=None):
    """Proximal gradient descent (ISTA) for the lasso, from x_0 = 0:

        x_{k+1} = soft_threshold(x_k - s A^T (A x_k - b), s lam)

    with the step s = `step`, or 1/L (L = norm(A, 2)**2) when step is None. Returns
    (x, objectives): x = x_steps, objectives = [F(x_0), ..., F(x_steps)] (a 1-D float
    array of length steps + 1, F = lasso_objective). A and b are not modified."""
    s = 1.0 / np.linalg.norm(A, 2) ** 2 if step is None else step
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        x = soft_threshold(x - s * (A.T @ (A @ x - b)), s * lam)
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


def fista(A, b, lam, steps=500, step=None):
    """ISTA with Nesterov's acceleration (FISTA, Beck and Teboulle 2009), from x_0 = y_1 = 0,
    t_1 = 1:

        x_k     = soft_threshold(y_k - s A^T (A y_k - b), s lam)
        t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2
        y_{k+1} = x_k + (t_k - 1) / t_{k+1} (x_k - x_{k-1})

    with the step s = `step`, or 1/L when step is None. Returns (x, objectives) as `ista`
    does, x the last x_k (not y_k)."""
    s = 1.0 / np.linalg.norm(A, 2) ** 2 if step is None else step
    x = np.zeros(A.shape[1])
    y, t = x, 1.0
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        x_next = soft_threshold(y - s * (A.T @ (A @ y - b)), s * lam)
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        y = x_next + (t - 1.0) / t_next * (x_next - x)
        x, t = x_next, t_next
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)


def subgradient_method(A, b, lam, steps=500, step0=1e-2):
    """The subgradient method for the lasso, from x_0 = 0:

        x_{k+1} = x_k - step0 / sqrt(k + 1) * (A^T (A x_k - b) + lam subgradient_abs(x_k))

    for k = 0, ..., steps - 1. Returns (x, objectives) as `ista` does, x the last iterate
    (not the best one: the method does not descend)."""
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for k in range(steps):
        g = A.T @ (A @ x - b) + lam * subgradient_abs(x)
        x = x - step0 / np.sqrt(k + 1) * g
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
