# Right answers written differently: 0.5 at the kink, soft-thresholding by Moreau's identity,
# ISTA with a backtracking line search, FISTA with the (k - 1) / (k + 2) momentum, and the
# subgradient method counting its steps from 1.
# base: solution
# %% subgradient_abs
def subgradient_abs(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.5))
# %% soft_threshold
def soft_threshold(x, lam):
    x = np.asarray(x, dtype=float)
    return x - np.clip(x, -lam, lam)
# %% ista
def ista(A, b, lam, steps=500, step=None):
    s = 1.0 / np.linalg.eigvalsh(A.T @ A).max() if step is None else step  # 1/L, L by eigenvalues
    AtA, Atb = A.T @ A, A.T @ b  # the gradient A^T A x - A^T b, its products formed once
    iterates = [np.zeros(A.shape[1])]
    for _ in range(steps):
        iterates.append(soft_threshold(iterates[-1] - s * (AtA @ iterates[-1] - Atb), s * lam))
    return iterates[-1], np.array([lasso_objective(A, b, lam, x) for x in iterates])
# %% fista
def fista(A, b, lam, steps=500, step=None):
    s = step if step is not None else 1 / np.linalg.norm(A, ord=2) ** 2
    ts = [1.0]  # t_1, t_2, ... (ts[k - 1] is t_k): the whole sequence first, then the iterates
    for _ in range(steps):
        ts.append(0.5 + np.sqrt(0.25 + ts[-1] ** 2))
    x_old = x = np.zeros(A.shape[1])
    objectives = np.empty(steps + 1)
    objectives[0] = lasso_objective(A, b, lam, x)
    for k in range(1, steps + 1):
        y = x + (ts[k - 2] - 1) / ts[k - 1] * (x - x_old) if k > 1 else x
        x_old, x = x, soft_threshold(y - s * A.T @ (A @ y - b), s * lam)
        objectives[k] = lasso_objective(A, b, lam, x)
    return x, objectives
# %% subgradient_method
def subgradient_method(A, b, lam, steps=500, step0=1e-2):
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for k in range(1, steps + 1):
        x = x - step0 / np.sqrt(k) * (A.T @ (A @ x - b) + lam * subgradient_abs(x))
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
