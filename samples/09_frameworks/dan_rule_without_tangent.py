# The rule returns sigmoid(x) and forgets to multiply by the tangent: grad is right (the
# tangent is 1 there), a vjp with another cotangent and the chain rule are not.
# base: solution
# loses: stable_softplus
# %% stable_softplus: edit
-     return stable_softplus(x), sigmoid * t
+     return stable_softplus(x), sigmoid
