# The Hessian weighted by p instead of p (1 - p): the derivative of the sigmoid forgotten.
# base: solution
# loses: newton_logistic
# %% newton_logistic
def newton_logistic(X, y, steps=10, ridge=1e-6):
    m, d = X.shape
    w = np.zeros(d)
    losses = [logistic_loss(X, y, w, ridge)]
    for _ in range(steps):
        p = sigmoid(X @ w)
        g = X.T @ (p - y) / m + ridge * w
        H = X.T @ np.diag(p) @ X / m + ridge * np.eye(d)
        w = w - np.linalg.solve(H, g)
        losses.append(logistic_loss(X, y, w, ridge))
    return w, np.array(losses)
