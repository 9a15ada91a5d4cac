# unbroadcast sums the stretched axes without keepdims: (3, 1) comes back as (3,). The visible
# test of grad_mlp (a bias of shape (1, 2)) fails with it; the hidden one isolates it.
# base: solution
# loses: unbroadcast, test_grad_mlp_visible
# %% unbroadcast
def unbroadcast(G, shape):
    G = np.asarray(G, dtype=float)
    G = G.sum(axis=tuple(range(G.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    return G.sum(axis=stretched) if stretched else G
