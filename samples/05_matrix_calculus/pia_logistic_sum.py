# Logistic regression: the gradient of the summed loss, not of the mean.
# base: solution
# loses: grad_logistic_regression
# %% grad_logistic_regression
def grad_logistic_regression(w, X, y):
    s = 2 * y - 1
    return -X.T @ (s / (1 + np.exp(s * (X @ w))))
