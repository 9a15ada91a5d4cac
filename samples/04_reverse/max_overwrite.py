# The gradient is overwritten instead of accumulated: a node used twice keeps one contribution
# (so grad and the training of train_scalar_mlp, which use this backward, are wrong too).
# base: solution
# loses: backward, grad, train_scalar_mlp
# %% backward: edit
- parent.grad += node.grad * local
+ parent.grad = node.grad * local
