# The step goes up the gradient: p + lr dL/dp, so the loss grows.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp: edit
- params = [float(p.value - lr * p.grad) for p in nodes]
+ params = [float(p.value + lr * p.grad) for p in nodes]
