# Four exercises answered (in his own words), the rest left alone.
# base: blank
# loses: richardson, step_errors, numerical_gradient, numerical_jacobian, directional_difference, numerical_hessian, gradient_check
# %% forward_difference
def forward_difference(f, x, h=1e-6):
    return (f(x + h) - f(x)) / h
# %% central_difference
def central_difference(f, x, h=1e-5):
    forward = f(x + h)
    backward = f(x - h)
    return (forward - backward) / (2 * h)
# %% complex_step
def complex_step(f, x, h=1e-20):
    return f(x + h * 1j).imag / h
# %% relative_error
def relative_error(a, b, floor=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum.reduce([np.abs(a), np.abs(b), np.full(a.shape, floor)])))
