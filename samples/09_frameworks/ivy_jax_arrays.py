# Right answers in the shapes JAX and Python give them: per-example gradients returned as the
# jax.Array vmap makes, the softplus with Python control flow in its function (no jit, no
# vmap; its rule is a custom_jvp's all the same), and the solve's VJP as a named tuple.
# base: solution
# %% per_example_grads
def per_example_grads(loss, params, X, y):
    return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, X, y)
# %% stable_softplus
@jax.custom_jvp
def stable_softplus(x):
    return max(x, 0.0) + jnp.log1p(jnp.exp(-abs(x)))


@stable_softplus.defjvp
def _stable_softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return stable_softplus(x), jax.nn.sigmoid(x) * t
# %% solve_vjp
from collections import namedtuple

SolveGrads = namedtuple("SolveGrads", ["dA", "db"])


def solve_vjp(A, b, g):
    x = np.linalg.solve(A, b)
    u = np.linalg.solve(A.T, g)
    return SolveGrads(-np.outer(u, x), u)
