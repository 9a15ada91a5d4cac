# More right answers: vmap over a closure with jit, a custom_jvp softplus whose function calls
# the rule's function under jit, a solve_vjp by LU-free lstsq, the full dx*/dtheta formed
# then contracted with g, and the lasso Jacobian by the inverse of the Gram matrix.
# base: solution
# %% per_example_grads
def per_example_grads(loss, params, X, y):
    one = lambda x, t: jax.grad(loss)(params, x, t)
    return np.asarray(jax.jit(jax.vmap(one))(X, y))
# %% stable_softplus
@jax.custom_jvp
def _softplus(x):
    return jnp.where(x > 0, x + jnp.log1p(jnp.exp(-jnp.abs(x))), jnp.log1p(jnp.exp(-jnp.abs(x))))


@_softplus.defjvp
def _softplus_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return _softplus(x), jnp.exp(x - _softplus(x)) * t       # e^x / (1 + e^x), never overflowing


stable_softplus = jax.jit(lambda x: _softplus(x))
# %% solve_vjp
def solve_vjp(A, b, g):
    x = np.linalg.lstsq(A, b, rcond=None)[0]
    u = np.linalg.lstsq(A.T, g, rcond=None)[0]
    return -np.einsum("i,j->ij", u, x), u
# %% fixed_point_grad
def fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g):
    n = np.size(x_star)
    dx_dtheta = np.linalg.solve(np.eye(n) - np.atleast_2d(dT_dx(x_star, theta)),
                                np.asarray(dT_dtheta(x_star, theta)).reshape(n, -1))
    return (g @ dx_dtheta).reshape(np.shape(theta))
# %% lasso_solution_jacobian
def lasso_solution_jacobian(A, b, lam, x):
    S = np.nonzero(x)[0]
    J = np.zeros((A.shape[1], A.shape[0]))
    J[S, :] = np.linalg.inv(A[:, S].T @ A[:, S]) @ A[:, S].T
    return J
