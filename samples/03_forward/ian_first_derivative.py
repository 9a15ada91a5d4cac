# second_derivative reads the wrong part of the nested result: f'(x), not f''(x).
# base: solution
# loses: second_derivative
# %% second_derivative
def second_derivative(f, x):
    return f(Dual(Dual(x, 1.0), Dual(1.0, 0.0))).tangent.value
