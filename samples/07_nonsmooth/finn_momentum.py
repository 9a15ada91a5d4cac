# FISTA's momentum is computed from the extrapolated points: y = x_k + beta (x_k - y_k).
# base: solution
# loses: fista
# %% fista
def fista(A, b, lam, steps=500, step=None):
    if step is None:
        step = 1.0 / np.linalg.norm(A, 2) ** 2
    x = np.zeros(A.shape[1])
    y, t = x.copy(), 1.0
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        x = soft_threshold(y - step * A.T @ (A @ y - b), step * lam)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y = x + (t - 1) / t_next * (x - y)
        t = t_next
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
