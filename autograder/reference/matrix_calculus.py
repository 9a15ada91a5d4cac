"""Reference answers of chapter 05_matrix_calculus: matrix calculus by differentials.

The one source of the chapter's solution code (`autograder build` copies it into
`solutions/05_matrix_calculus/matrix_calculus.ipynb`). Every gradient has the shape of
its variable. Each answer comes from the differential of its function written as

    df = tr(G^T dX) = sum(G * dX)      (the trace trick: G is the gradient),

with the rules of The Matrix Cookbook (Petersen and Pedersen, version of November 15,
2012) that `COOKBOOK` lists by equation number and the tests check numerically.
"""
import numpy as np


def _inner(G, V):
    """<G, V> = tr(G^T V) = sum(G * V)."""
    return float(np.sum(np.asarray(G) * np.asarray(V)))


#: The Cookbook's identities this chapter uses, by equation number: (what it says, the
#: shapes of (its variables, its constants), f(*variables, *constants), and the
#: differential df(arguments, differentials of the variables), which for a gradient
#: identity is tr(G^T dX)). Tests compare every df with central differences of f.
COOKBOOK = {
    "(36)": ("d tr(X) = tr(dX)", ([(4, 4)], []),
             lambda X: np.trace(X), lambda v, d: np.trace(d[0])),
    "(37)": ("d(XY) = (dX) Y + X (dY)", ([(3, 4), (4, 2)], []),
             lambda X, Y: X @ Y, lambda v, d: d[0] @ v[1] + v[0] @ d[1]),
    "(38)": ("d(X o Y) = (dX) o Y + X o (dY), o the elementwise (Hadamard) product", ([(3, 4), (3, 4)], []),
             lambda X, Y: X * Y, lambda v, d: d[0] * v[1] + v[0] * d[1]),
    "(40)": ("d(X^-1) = -X^-1 (dX) X^-1", ([(4, 4)], []),
             np.linalg.inv, lambda v, d: -np.linalg.inv(v[0]) @ d[0] @ np.linalg.inv(v[0])),
    "(42)": ("d det(X) = det(X) tr(X^-1 dX)", ([(4, 4)], []),
             np.linalg.det, lambda v, d: np.linalg.det(v[0]) * np.trace(np.linalg.solve(v[0], d[0]))),
    "(43)": ("d ln det(X) = tr(X^-1 dX)", ([(4, 4)], []),
             lambda X: np.linalg.slogdet(X)[1], lambda v, d: np.trace(np.linalg.solve(v[0], d[0]))),
    "(44)": ("d(X^T) = (dX)^T", ([(3, 4)], []), lambda X: X.T, lambda v, d: d[0].T),
    "(49)": ("d det(X) / dX = det(X) X^-T", ([(4, 4)], []),
             np.linalg.det, lambda v, d: _inner(np.linalg.det(v[0]) * np.linalg.inv(v[0]).T, d[0])),
    "(57)": ("d ln|det(X)| / dX = X^-T", ([(4, 4)], []),
             lambda X: np.linalg.slogdet(X)[1], lambda v, d: _inner(np.linalg.inv(v[0]).T, d[0])),
    "(63)": ("d tr(A X^-1 B) / dX = -(X^-1 B A X^-1)^T", ([(4, 4)], [(3, 4), (4, 3)]),
             lambda X, A, B: np.trace(A @ np.linalg.inv(X) @ B),
             lambda v, d: _inner(-(np.linalg.inv(v[0]) @ v[2] @ v[1] @ np.linalg.inv(v[0])).T, d[0])),
    "(69)": ("d(a^T x) / dx = a", ([(5,)], [(5,)]),
             lambda x, a: a @ x, lambda v, d: _inner(v[1], d[0])),
    "(70)": ("d(a^T X b) / dX = a b^T", ([(3, 4)], [(3,), (4,)]),
             lambda X, a, b: a @ X @ b, lambda v, d: _inner(np.outer(v[1], v[2]), d[0])),
    "(81)": ("d(x^T B x) / dx = (B + B^T) x", ([(5,)], [(5, 5)]),
             lambda x, B: x @ B @ x, lambda v, d: _inner((v[1] + v[1].T) @ v[0], d[0])),
    "(108)": ("d tr(X^T B X) / dX = B X + B^T X", ([(4, 3)], [(4, 4)]),
              lambda X, B: np.trace(X.T @ B @ X), lambda v, d: _inner(v[1] @ v[0] + v[1].T @ v[0], d[0])),
    "(124)": ("d tr(A X^-1 B) / dX = -X^-T A^T B^T X^-T", ([(4, 4)], [(3, 4), (4, 3)]),
              lambda X, A, B: np.trace(A @ np.linalg.inv(X) @ B),
              lambda v, d: _inner(-np.linalg.inv(v[0]).T @ v[1].T @ v[2].T @ np.linalg.inv(v[0]).T, d[0])),
    # An identity of linear maps, so its "differential" is the map itself: the test compares
    # the Kronecker matrix times vec(dX) with central differences of vec(A X B).
    "(520)": ("vec(A X B) = (B^T kron A) vec(X), vec stacking the columns", ([(3, 4)], [(2, 3), (4, 5)]),
              lambda X, A, B: (A @ X @ B).reshape(-1, order="F"),
              lambda v, d: np.kron(v[2].T, v[1]) @ d[0].reshape(-1, order="F")),
}


def grad_linear_form(a, X, b):
    """Gradient of f(X) = a^T X b with respect to X (m, n), for a of length m, b of length n:
    an (m, n) array."""
    # df = a^T dX b = tr(b a^T dX) = tr((a b^T)^T dX), so the gradient is a b^T (Cookbook (70)).
    return np.outer(a, b)


def grad_quadratic_form(X, A):
    """Gradient of f(X) = tr(X^T A X) with respect to X (n, k), for A (n, n) (not
    necessarily symmetric): an (n, k) array."""
    # df = tr(dX^T A X) + tr(X^T A dX) = tr(((A + A^T) X)^T dX): the gradient is
    # (A + A^T) X, which is 2 A X only when A is symmetric (Cookbook (108)).
    return (A + A.T) @ X


def grad_least_squares(A, x, b):
    """Gradient of f(x) = ||A x - b||^2 with respect to x (n,), for A (m, n) and b (m,): an
    array of shape (n,)."""
    # With r = A x - b: df = 2 r^T dr = 2 r^T A dx, so the gradient is 2 A^T (A x - b).
    return 2 * A.T @ (A @ x - b)


def grad_logdet(X):
    """Gradient of f(X) = log|det X| with respect to the invertible X (n, n): an (n, n) array."""
    # df = tr(X^-1 dX) (Cookbook (43)) = tr((X^-T)^T dX): the gradient is X^-T (Cookbook (57)).
    return np.linalg.inv(X).T


def grad_trace_inverse(X, A):
    """Gradient of f(X) = tr(X^-1 A) with respect to the invertible X (n, n), for A (n, n):
    an (n, n) array."""
    # d(X^-1) = -X^-1 dX X^-1 (Cookbook (40)), so df = -tr(X^-1 dX X^-1 A)
    # = -tr(X^-1 A X^-1 dX): the gradient is -(X^-1 A X^-1)^T = -X^-T A^T X^-T
    # (Cookbook (63) and (124)).
    inverse = np.linalg.inv(X)
    return -(inverse @ A @ inverse).T


def grad_softmax_cross_entropy(W, x, y):
    """Gradient of L(W) = -y^T log softmax(W x) with respect to W (k, d), for x (d,), y (k,):
    a (k, d) array. y is one-hot or a probability distribution (its entries sum to 1)."""
    # With z = W x and p = softmax(z): L = -y^T z + log(sum(exp(z))), so
    # dL = (p - y)^T dz = (p - y)^T dW x = tr(x (p - y)^T dW): the gradient is (p - y) x^T.
    z = W @ x
    p = np.exp(z - np.max(z))  # shifting z by its maximum changes nothing, avoids overflow
    p /= p.sum()
    return np.outer(p - y, x)


def grad_logistic_regression(w, X, y):
    """Gradient of L(w) = mean_i log(1 + exp(-s_i x_i^T w)) with respect to w (d,): an
    array of shape (d,). X (N, d) holds one example x_i per row, y (N,) the labels in
    {0, 1}, s = 2 y - 1."""
    # dL = mean_i -s_i sigmoid(-s_i x_i^T w) x_i^T dw, so the gradient is
    # -X^T (s * sigmoid(-s * X w)) / N.
    s = 2 * np.asarray(y, dtype=float) - 1
    t = -s * (X @ w)
    sigmoid = 0.5 * (1 + np.tanh(0.5 * t))  # = 1 / (1 + exp(-t)), without overflow
    return -X.T @ (s * sigmoid) / len(s)


def jacobian_softmax(z):
    """The (n, n) Jacobian J of p = softmax(z) at z (n,), with dp = J dz."""
    # dp_i = p_i dz_i - p_i (p^T dz): J = diag(p) - p p^T.
    p = np.exp(z - np.max(z))
    p /= p.sum()
    return np.diag(p) - np.outer(p, p)


def vjp_matmul(A, B, G):
    """The pair (dL/dA, dL/dB) for C = A @ B, A (m, n), B (n, p), given G = dL/dC (m, p):
    arrays of the shapes of A and of B."""
    # dL = tr(G^T dC) = tr(G^T dA B) + tr(G^T A dB) = tr((G B^T)^T dA) + tr((A^T G)^T dB):
    # the vector-Jacobian products are G B^T and A^T G.
    return G @ B.T, A.T @ G


def unbroadcast(G, shape):
    """G summed over the axes that broadcasting added or stretched, so that it has `shape`
    (x of shape `shape` was broadcast to G.shape in the forward pass). G is not modified."""
    # Every copy of an entry of x received a share of the gradient: the gradient of x is the
    # sum of the shares. Leading axes that broadcasting added are summed away; axes where x
    # had length 1 are summed with keepdims.
    G = np.asarray(G, dtype=float)
    shape = tuple(shape)
    G = G.sum(axis=tuple(range(G.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    if stretched:
        G = G.sum(axis=stretched, keepdims=True)
    return G.reshape(shape)


def grad_mlp(params, X, Y):
    """Gradients of L = 0.5 * sum((P - Y)**2) / N for P = tanh(X W1 + b1) W2 + b2.

    X (N, d), Y (N, k); params holds W1 (d, h), b1 (h,), W2 (h, k), b2 (k,) (biases may
    also be (1, h) and (1, k)). Returns a dict with the same keys, each gradient of the
    shape of its parameter.
    """
    # Backward through each layer is a vector-Jacobian product: dL/dP = (P - Y) / N, then
    # `vjp_matmul` for the products, `unbroadcast` for the biases, and tanh' = 1 - tanh**2.
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=float) for k in ("W1", "b1", "W2", "b2"))
    H = np.tanh(X @ W1 + b1)
    P = H @ W2 + b2
    dP = (P - Y) / X.shape[0]
    dH, dW2 = vjp_matmul(H, W2, dP)
    dZ = dH * (1 - H**2)
    _, dW1 = vjp_matmul(X, W1, dZ)
    return {"W1": dW1, "b1": unbroadcast(dZ, b1.shape), "W2": dW2, "b2": unbroadcast(dP, b2.shape)}
