# Right answers written differently: per-example gradients by jacrev of the vmapped loss, the
# softplus by custom_vjp around jnp.logaddexp, the solve's VJP by an explicit inverse, the fixed
# point's adjoint by lstsq on (I - J)^T, and the lasso Jacobian by lstsq on the support.
# base: solution
# %% per_example_grads
def per_example_grads(loss, params, X, y):
    losses = lambda p: jax.vmap(loss, in_axes=(None, 0, 0))(p, X, y)
    return np.asarray(jax.jacrev(losses)(jnp.asarray(params)))
# %% stable_softplus
@jax.custom_vjp
def stable_softplus(x):
    return jnp.logaddexp(0.0, x)


def _forward(x):
    return stable_softplus(x), x


def _backward(x, g):
    return (g * jax.nn.sigmoid(x),)


stable_softplus.defvjp(_forward, _backward)
# %% solve_vjp
def solve_vjp(A, b, g):
    inverse = np.linalg.inv(A)
    x = inverse @ b
    u = inverse.T @ g
    return -u[:, None] * x[None, :], u
# %% fixed_point_grad
def fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g):
    Jx = np.atleast_2d(dT_dx(x_star, theta))
    Jt = np.asarray(dT_dtheta(x_star, theta)).reshape(len(x_star), -1)
    u = np.linalg.lstsq((np.eye(len(x_star)) - Jx).T, g, rcond=None)[0]
    return (Jt.T @ u).reshape(np.shape(theta))
# %% lasso_solution_jacobian
def lasso_solution_jacobian(A, b, lam, x):
    support = np.abs(x) > 0
    J = np.zeros((A.shape[1], A.shape[0]))
    J[support] = np.linalg.lstsq(A[:, support], np.eye(A.shape[0]), rcond=None)[0]
    return J
