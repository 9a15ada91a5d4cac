# derivative returns the value of f(Dual(x, 1)) instead of its tangent.
# base: solution
# loses: derivative
# %% derivative
def derivative(f, x):
    return f(Dual(x, 1.0)).value
