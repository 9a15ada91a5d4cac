# backward adds to what an earlier call left in .grad, as PyTorch does: here each call must replace it.
# base: solution
# loses: backward, train_mlp
# %% backward: edit
- node.grad = np.asarray(g)
+ node.grad = np.asarray(g) if node.grad is None else node.grad + g
