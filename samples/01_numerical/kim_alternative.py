# Right answers written differently from the reference: they must get full marks.
# base: solution
# %% forward_difference
def forward_difference(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    return (f(x + h) - f(x)) * (1.0 / h)
# %% central_difference
def central_difference(f, x, h=1e-5):
    return 0.5 * (f(x + h) - f(x - h)) / h
# %% richardson
def richardson(f, x, h=1e-3):
    coarse = central_difference(f, x, h)
    fine = central_difference(f, x, h / 2)
    return fine + (fine - coarse) / 3
# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    grad = np.empty(flat.size)
    for k, e in enumerate(np.eye(flat.size)):
        grad[k] = (f((flat + h * e).reshape(x.shape)) - f((flat - h * e).reshape(x.shape))) / (2 * h)
    return grad.reshape(x.shape)
# %% numerical_jacobian
def numerical_jacobian(f, x, h=1e-5):
    return np.column_stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])
# %% relative_error
def relative_error(a, b, floor=1e-8):
    diff = np.abs(np.subtract(a, b, dtype=float))
    scale = np.fmax(np.fmax(np.abs(a), np.abs(b)), floor)
    return (diff / scale).max().item()
# %% step_errors
def step_errors(f, df, x, hs, method):
    exact = df(x)
    return np.abs(np.array([method(f, x, h=h) for h in hs]) - exact)  # the step by keyword
# %% directional_difference
def directional_difference(f, x, v, h=1e-5):
    step = h * np.asarray(v, dtype=float)
    ahead, behind = f(np.asarray(x, dtype=float) + step), f(np.asarray(x, dtype=float) - step)
    return (np.asarray(ahead) - np.asarray(behind)) * (0.5 / h)
# %% numerical_hessian
def numerical_hessian(f, x, h=1e-4):
    # every pair (i, j), the two + terms summed first: equal to the formula up to round-off
    x = np.asarray(x, dtype=float)
    E = h * np.eye(x.size)
    return np.array([[((f(x + E[i] + E[j]) + f(x - E[i] - E[j])) - (f(x + E[i] - E[j]) + f(x - E[i] + E[j])))
                      / (4 * h * h) for j in range(x.size)] for i in range(x.size)])
