# A custom rule, but the function written as it reads: log(1 + e^x) is inf past x = 709.78,
# and the rule's e^x / (1 + e^x) is inf / inf there.
# base: solution
# loses: stable_softplus
# %% stable_softplus
@jax.custom_jvp
def stable_softplus(x):
    return jnp.log1p(jnp.exp(x))


@stable_softplus.defjvp
def _stable_softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return stable_softplus(x), jnp.exp(x) / (1 + jnp.exp(x)) * t
