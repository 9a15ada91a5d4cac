# The loss is the sum of the squared errors, not their mean: steps N times too long, losses N times too large.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp: edit
- loss = total / len(data)
+ loss = total
