# jvp returns x instead of f(x) as the first element of the pair.
# base: solution
# loses: jvp
# %% jvp
def jvp(f, x, v):
    y = f(Dual(np.asarray(x, dtype=float), np.asarray(v, dtype=float)))
    return np.asarray(x, dtype=float), y.tangent
