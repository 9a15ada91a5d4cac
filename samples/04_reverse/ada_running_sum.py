# A running sum of the gradients, started once before the loop: each step moves by the sum of
# every gradient so far, not by the gradient at the current parameters.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp: edit
- losses = []
+ losses, summed = [], [0.0] * len(params)
@@
- params = [float(p.value - lr * p.grad) for p in nodes]
+ summed = [s + p.grad for s, p in zip(summed, nodes)]
+ params = [float(p.value - lr * s) for p, s in zip(nodes, summed)]
