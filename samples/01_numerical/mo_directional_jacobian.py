# J v computed right, but through the whole Jacobian: 2n evaluations of f where the
# directional difference needs two.
# base: solution
# loses: directional_difference
# %% directional_difference
def directional_difference(f, x, v, h=1e-5):
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    flat = x.ravel()
    columns = []
    for j in range(flat.size):
        e = np.zeros_like(flat)
        e[j] = h
        columns.append(np.ravel((np.asarray(f((flat + e).reshape(x.shape))) - np.asarray(f((flat - e).reshape(x.shape)))) / (2 * h)))
    J = np.stack(columns, axis=1)
    return (J @ v.ravel()).reshape(np.shape(f(x)))
