# The loss is the mean squared error of sigmoid(z), not the binary cross-entropy: it falls
# under the bar too, but it is not the loss the exercise asks for.
# base: solution
# loses: train_mlp
# %% train_mlp: edit
- loss = ((1.0 + z.exp()).log() - y * z).mean()  # the cross-entropy of sigmoid(z)
+ p = 1.0 / (1.0 + (-z).exp())
+ loss = ((p - y) * (p - y)).mean()
