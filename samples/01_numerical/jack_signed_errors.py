# Returns signed errors from step_errors, and an absolute error from gradient_check.
# base: solution
# loses: step_errors, gradient_check
# %% step_errors
def step_errors(f, df, x, hs, method):
    return np.array([method(f, x, h) - df(x) for h in hs])
# %% gradient_check
def gradient_check(f, grad_f, x, h=1e-5):
    return float(np.max(np.abs(grad_f(x) - numerical_gradient(f, x, h))))
