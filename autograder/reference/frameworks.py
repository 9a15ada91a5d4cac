"""Reference answers of chapter 09_frameworks: JAX's transformations, a custom derivative
rule, and implicit differentiation.

`per_example_grads` and `stable_softplus` use JAX (64-bit mode on); the three implicit
derivatives are NumPy only: each is one linear solve at a point the caller already has
(the solution of a linear system, a fixed point, a lasso solution), never a derivative of
the iterations that found it.
"""
import numpy as np

from adcourse.frameworks import use_float64

use_float64()

import jax  # noqa: E402  (after 64-bit mode is on)
import jax.numpy as jnp  # noqa: E402

#: The answer cell of stable_softplus holds the function and its rule.
SOLUTION_CELLS = {"stable_softplus": ("stable_softplus", "_stable_softplus_jvp")}


def per_example_grads(loss, params, X, y):
    """The gradient in params of loss(params, x_i, y_i) for every row x_i of X, stacked:
    an array of shape (len(X),) + params.shape. jax.grad differentiates one example's loss,
    jax.vmap maps it over the rows of X and the entries of y with params shared, so loss is
    traced once."""
    grads = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(jnp.asarray(params), jnp.asarray(X), jnp.asarray(y))
    return np.asarray(grads)


@jax.custom_jvp
def stable_softplus(x):
    """log(1 + e^x), finite for every finite float x: max(x, 0) + log1p(e^-|x|). Its
    derivative is the custom rule below, sigmoid(x), never the derivative JAX would trace
    through max and abs."""
    return jnp.maximum(x, 0.0) + jnp.log1p(jnp.exp(-jnp.abs(x)))


@stable_softplus.defjvp
def _stable_softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    e = jnp.exp(-jnp.abs(x))
    sigmoid = jnp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # never e^x / (1 + e^x) for large x
    return stable_softplus(x), sigmoid * t


def solve_vjp(A, b, g):
    """(dL/dA, dL/db) for x = solve(A, b), given g = dL/dx: one adjoint solve A^T u = g, then
    dL/db = u and dL/dA = -u x^T (from dx = A^-1 (db - dA x)). A, b and g are not modified."""
    A, b, g = (np.asarray(t, dtype=float) for t in (A, b, g))
    x = np.linalg.solve(A, b)
    u = np.linalg.solve(A.T, g)
    return -np.outer(u, x), u


def fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g):
    """g^T dx*/dtheta at x* = T(x*, theta): differentiating the fixed point equation,
    dx* = dT_dx dx* + dT_dtheta dtheta, so dx*/dtheta = (I - dT_dx)^-1 dT_dtheta and
    g^T dx*/dtheta = dT_dtheta^T u with (I - dT_dx)^T u = g. One solve; T itself is not
    called, and nothing is unrolled. Returns an array of theta's shape."""
    x_star, theta, g = (np.asarray(t, dtype=float) for t in (x_star, theta, g))
    Jx = np.atleast_2d(np.asarray(dT_dx(x_star, theta), dtype=float))
    Jt = np.asarray(dT_dtheta(x_star, theta), dtype=float).reshape(x_star.size, theta.size)
    u = np.linalg.solve(np.eye(x_star.size) - Jx.T, g.ravel())
    return (Jt.T @ u).reshape(theta.shape)


def lasso_solution_jacobian(A, b, lam, x):
    """d x*/d b at the lasso solution x of 0.5 ||A x - b||^2 + lam ||x||_1, an (n, m) array.

    On the support S (x_i != 0) the optimality condition is A_S^T (A_S x_S - b) + lam
    sign(x_S) = 0, which stays true with the same signs for small changes of b, so
    x_S = (A_S^T A_S)^-1 (A_S^T b - lam sign(x_S)) and dx_S/db = (A_S^T A_S)^-1 A_S^T; off S,
    x stays 0 and its rows are 0."""
    A, x = np.asarray(A, dtype=float), np.asarray(x, dtype=float)
    S = np.flatnonzero(x)
    J = np.zeros((A.shape[1], A.shape[0]))
    if S.size:
        As = A[:, S]
        J[S] = np.linalg.solve(As.T @ As, As.T)
    return J
