# The division VJP for the denominator is +g x / y**2.
# base: solution
# loses: Tensor
# %% Tensor: edit
- return primitive(np.divide, (lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y), self, other)
+ return primitive(np.divide, (lambda g, ans, x, y: g / y, lambda g, ans, x, y: g * ans / y), self, other)
