# d tr(X^T A X) / dX as 2 A X, the formula for a symmetric A.
# base: solution
# loses: grad_quadratic_form
# %% grad_quadratic_form
def grad_quadratic_form(X, A):
    return 2 * A @ X
