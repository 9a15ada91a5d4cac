# ISTA with a backtracking line search when no step is given: it converges, but the notebook's ISTA takes 1/L.
# base: solution
# loses: ista
# %% ista
def ista(A, b, lam, steps=500, step=None):
    def smooth(z):
        r = A @ z - b
        return 0.5 * r @ r

    t = 1.0 if step is None else step
    x = np.zeros(A.shape[1])
    objectives = [lasso_objective(A, b, lam, x)]
    for _ in range(steps):
        g = A.T @ (A @ x - b)
        while True:
            z = soft_threshold(x - t * g, t * lam)
            d = z - x
            if step is not None or smooth(z) <= smooth(x) + g @ d + d @ d / (2 * t):
                break
            t /= 2
        x = z
        objectives.append(lasso_objective(A, b, lam, x))
    return x, np.array(objectives)
