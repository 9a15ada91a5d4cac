# The Hessian built from one product with a vector of ones, repeated in every column.
# base: solution
# loses: hessian
# %% hessian
def hessian(f, x):
    n = len(x)
    return np.column_stack([hvp(f, x, np.ones(n)) for _ in range(n)])
