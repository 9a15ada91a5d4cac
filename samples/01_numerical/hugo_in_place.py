# Perturbs x in place and never puts it back: the caller's array is left changed.
# base: solution
# loses: numerical_gradient
# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
