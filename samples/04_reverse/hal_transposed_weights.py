# The hidden weights read as a 2 x 3 matrix W for x W, row by row (w_11, w_21, w_31, w_12, ...),
# where the exercise lists the two weights of each hidden unit together.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp: edit
- out = out + v[j] * tanh(w[2 * j] * x1 + w[2 * j + 1] * x2 + b[j])
+ out = out + v[j] * tanh(w[j] * x1 + w[3 + j] * x2 + b[j])
