# Per-example gradients by a Python loop over the rows: right values, but the loss is traced
# once per row, where vmap traces it once.
# base: solution
# loses: per_example_grads
# %% per_example_grads
def per_example_grads(loss, params, X, y):
    return np.stack([np.asarray(jax.grad(loss)(params, x, t)) for x, t in zip(X, y)])
