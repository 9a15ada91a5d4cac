# The numerical Hessian divided by 2 h^2: each of the two central differences spans 2h,
# so the denominator is 4 h^2, and every entry comes out twice too large.
# base: solution
# loses: numerical_hessian
# %% numerical_hessian: edit
- H[i, j] = H[j, i] = (f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b)) / (4 * h * h)
+ H[i, j] = H[j, i] = (f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b)) / (2 * h * h)
