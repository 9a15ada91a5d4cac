# ISTA's step is 1 / norm(A, 2) instead of 1 / norm(A, 2)**2: far above 2/L, it diverges.
# base: solution
# loses: ista
# %% ista
def ista(A, b, lam, steps=500, step=None):
    if step is None:
        step = 1.0 / np.linalg.norm(A, 2)
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        x = soft_threshold(x - step * A.T @ (A @ x - b), step * lam)
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
