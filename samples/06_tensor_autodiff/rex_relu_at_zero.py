# relu's VJP is 1 at 0 (x >= 0): a subgradient, but the course's convention is relu'(0) = 0.
# base: solution
# loses: Tensor
# %% Tensor: edit
- return primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: g * (x > 0),), self)
+ return primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: g * (x >= 0),), self)
