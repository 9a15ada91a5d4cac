# FISTA with the momentum (k - 2) / (k + 1): an accelerated method, but not the recursion the notebook fixes.
# base: solution
# loses: fista
# %% fista
def fista(A, b, lam, steps=500, step=None):
    s = step if step is not None else 1 / np.linalg.norm(A, ord=2) ** 2
    x_old = x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for k in range(1, steps + 1):
        y = x + (k - 2) / (k + 1) * (x - x_old)
        x_old, x = x, soft_threshold(y - s * A.T @ (A @ y - b), s * lam)
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
