# unbroadcast returns G as it is: a bias added to every row gets a gradient of the result's shape.
# base: solution
# loses: Tensor
# %% Tensor: edit
- G = np.asarray(G, dtype=float)
+ return G  # broadcasting "takes care of itself"
