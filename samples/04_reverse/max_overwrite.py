# The gradient is overwritten instead of accumulated: a node used twice keeps one contribution.
# base: solution
# loses: backward, grad
# %% backward: edit
- parent.grad += node.grad * local
+ parent.grad = node.grad * local
