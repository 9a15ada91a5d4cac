# unbroadcast returns G as it is: a bias added to every row gets a gradient of the result's shape
# (and train_mlp, trained with this Tensor, takes steps of that shape).
# base: solution
# loses: Tensor, train_mlp
# %% Tensor: edit
- G = np.asarray(G, dtype=float)
+ return G  # broadcasting "takes care of itself"
