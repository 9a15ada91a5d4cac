# Right answers written differently: einsum, solves instead of inverses, the classic logistic
# form X^T (sigmoid(X w) - y) / N, a loop for unbroadcast, a network without the helpers.
# base: solution
# %% grad_linear_form
def grad_linear_form(a, X, b):
    return np.einsum("i,j->ij", a, b)
# %% grad_quadratic_form
def grad_quadratic_form(X, A):
    return A @ X + A.T @ X
# %% grad_least_squares
def grad_least_squares(A, x, b):
    return 2 * np.einsum("ij,i->j", A, A @ x - b)
# %% grad_logdet
def grad_logdet(X):
    return np.linalg.solve(X.T, np.eye(len(X)))
# %% grad_trace_inverse
def grad_trace_inverse(X, A):
    left = np.linalg.solve(X.T, A.T)          # X^-T A^T
    return -np.linalg.solve(X, left.T).T      # -(X^-1 A X^-1)^T
# %% jacobian_softmax
def jacobian_softmax(z):
    p = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
    J = -np.einsum("i,j->ij", p, p)
    J[np.diag_indices(len(p))] += p
    return J
# %% grad_softmax_cross_entropy
def grad_softmax_cross_entropy(W, x, y):
    z = W @ x
    log_p = z - z.max() - np.log(np.sum(np.exp(z - z.max())))
    return (np.exp(log_p) - y)[:, None] * x[None, :]
# %% grad_logistic_regression
def grad_logistic_regression(w, X, y):
    probability = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (probability - y) / len(y)
# %% vjp_matmul
def vjp_matmul(A, B, G):
    return np.einsum("ik,jk->ij", G, B), np.einsum("ki,kj->ij", A, G)
# %% unbroadcast
def unbroadcast(G, shape):
    G = np.array(G, dtype=float)
    while G.ndim > len(shape):
        G = G.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and G.shape[axis] != 1:
            G = G.sum(axis=axis, keepdims=True)
    return G
# %% grad_mlp
def grad_mlp(params, X, Y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    H = np.tanh(X @ W1 + b1)
    R = (H @ W2 + b2 - Y) / len(X)
    D = (R @ W2.T) * (1 - H * H)
    return {"W1": X.T @ D, "b1": D.sum(axis=0).reshape(np.shape(b1)),
            "W2": H.T @ R, "b2": R.sum(axis=0).reshape(np.shape(b2))}
