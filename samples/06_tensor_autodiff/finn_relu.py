# The relu VJP is the step (x > 0) alone, without g.
# base: solution
# loses: Tensor
# %% Tensor: edit
- return primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: g * (x > 0),), self)
+ return primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: 1.0 * (x > 0),), self)
