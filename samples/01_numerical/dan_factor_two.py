# Divides by h instead of 2h in the central difference. His Richardson extrapolation
# (right in itself) calls that central difference: its visible test shows the damage,
# while its hidden test, which isolates each exercise, keeps its points.
# base: solution
# loses: central_difference, test_richardson_visible
# %% central_difference
def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / h
