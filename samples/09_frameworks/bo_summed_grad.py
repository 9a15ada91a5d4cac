# jax.grad of the summed loss over the batch: one gradient, repeated for every row.
# base: solution
# loses: per_example_grads
# %% per_example_grads
def per_example_grads(loss, params, X, y):
    total = jax.grad(lambda p: jnp.sum(jax.vmap(loss, in_axes=(None, 0, 0))(p, X, y)))(params)
    return np.tile(np.asarray(total), (len(X), 1))
