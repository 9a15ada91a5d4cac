# The subgradient method with a fixed step step0: no decreasing steps, so it oscillates or diverges.
# base: solution
# loses: subgradient_method
# %% subgradient_method
def subgradient_method(A, b, lam, steps=500, step0=1e-2):
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        x = x - step0 * (A.T @ (A @ x - b) + lam * subgradient_abs(x))
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
