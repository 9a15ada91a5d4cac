# jacobian_forward stacks the Jacobian-vector products as rows: the Jacobian transposed.
# base: solution
# loses: jacobian_forward
# %% jacobian_forward
def jacobian_forward(f, x):
    x = np.asarray(x, dtype=float)
    return np.array([jvp(f, x, e)[1] for e in np.eye(x.size)])
