# The least-squares solution's derivative, pinv(A), as if there were no l1 term and no support.
# base: solution
# loses: lasso_solution_jacobian
# %% lasso_solution_jacobian
def lasso_solution_jacobian(A, b, lam, x):
    return np.linalg.pinv(A)
