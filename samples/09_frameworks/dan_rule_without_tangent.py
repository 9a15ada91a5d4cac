# The rule returns sigmoid(x) and forgets to multiply by the tangent: jvp with tangent 1 looks
# right, but the tangent no longer depends on the input's, and grad through it is 0.
# base: solution
# loses: stable_softplus
# %% stable_softplus: edit
-     return stable_softplus(x), sigmoid * t
+     return stable_softplus(x), sigmoid
