# The loss is the mean log-likelihood, not its negative: mean(y z - log(1 + e^z)) is at
# most 0, and gradient descent on it makes the predictions worse while the "loss" falls.
# base: solution
# loses: train_mlp
# %% train_mlp: edit
- loss = ((1.0 + z.exp()).log() - y * z).mean()  # the cross-entropy of sigmoid(z)
+ loss = (y * z - (1.0 + z.exp()).log()).mean()
