# tanh on the output unit too: out = tanh(v . h + c), where the exercise's output is linear.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp: edit
- total = total + (out - y) ** 2
+ total = total + (tanh(out) - y) ** 2
