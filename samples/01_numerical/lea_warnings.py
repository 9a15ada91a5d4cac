# Right answers that print debugging output and warnings to stderr: full marks all the same.
# base: solution
# %% central_difference
import sys
import warnings


def central_difference(f, x, h=1e-5):
    print(f"debug: central_difference at h={h}", file=sys.stderr)
    if h < 1e-8:
        warnings.warn("a step this small loses digits to round-off")
    return (f(x + h) - f(x - h)) / (2 * h)
# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    warnings.warn("numerical_gradient costs 2 n evaluations of f", RuntimeWarning)
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad
