"""Reference answers of chapter 05_matrix_calculus: matrix calculus by differentials.

The one source of the chapter's solution code (`autograder build` copies it into
`solutions/05_matrix_calculus/matrix_calculus.ipynb`). Every gradient has the shape of
its variable.
"""
import numpy as np


def unbroadcast(G, shape):
    """G summed over the axes that broadcasting added or stretched, so that it has `shape`.

    If x of shape `shape` was broadcast to G.shape in the forward pass, every copy of an
    entry of x received a share of the gradient: the gradient of x is the sum of the
    shares. Leading axes that broadcasting added are summed away; axes where x had
    length 1 are summed with keepdims. G is not modified.
    """
    G = np.asarray(G, dtype=float)
    shape = tuple(shape)
    G = G.sum(axis=tuple(range(G.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    if stretched:
        G = G.sum(axis=stretched, keepdims=True)
    return G.reshape(shape)
