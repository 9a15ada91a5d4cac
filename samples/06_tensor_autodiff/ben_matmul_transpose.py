# The matmul VJPs forget the transposes: G @ B and A @ G.
# base: solution
# loses: Tensor
# %% Tensor: edit
- lambda g, ans, x, y: g @ np.swapaxes(y, -1, -2) if y.ndim > 1 else np.multiply.outer(g, y),
+ lambda g, ans, x, y: g @ y if y.ndim > 1 else np.multiply.outer(g, y),
