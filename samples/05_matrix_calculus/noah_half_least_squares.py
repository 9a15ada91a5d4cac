# The gradient of ||A x - b||^2 without its factor 2.
# base: solution
# loses: grad_least_squares
# %% grad_least_squares
def grad_least_squares(A, x, b):
    return A.T @ (A @ x - b)
