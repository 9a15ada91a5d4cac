# The parameters read neuron by neuron, as micrograd's MLP.parameters() lists them
# (w_j1, w_j2, b_j for each hidden unit), where the exercise puts the six weights first.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp: edit
- w, b, v, c = nodes[0:6], nodes[6:9], nodes[9:12], nodes[12]
+ w = [nodes[k] for k in (0, 1, 3, 4, 6, 7)]
+ b = [nodes[2], nodes[5], nodes[8]]
+ v, c = nodes[9:12], nodes[12]
