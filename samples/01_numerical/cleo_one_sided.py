# A one-sided difference where the central difference is asked for.
# Her Richardson extrapolation computes its own central differences, so it is right.
# base: solution
# loses: central_difference
# %% central_difference
def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h
# %% richardson
def richardson(f, x, h=1e-3):
    d = lambda step: (f(x + step) - f(x - step)) / (2 * step)
    return (4 * d(h / 2) - d(h)) / 3
