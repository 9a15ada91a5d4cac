# The gradient of log|det X| as X^-1: right only for symmetric X, transposed otherwise.
# base: solution
# loses: grad_logdet
# %% grad_logdet
def grad_logdet(X):
    return np.linalg.inv(X)
