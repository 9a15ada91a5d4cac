# The central difference with the default step h=1e-4 where the exercise states 1e-5: every
# value is close, but not the exercise's.
# base: solution
# loses: central_difference
# %% central_difference
def central_difference(f, x, h=1e-4):
    return (f(x + h) - f(x - h)) / (2 * h)
