# sum(axis) spreads g over the input without putting the summed axis back.
# base: solution
# loses: Tensor
# %% Tensor: edit
- g if axis is None or keepdims else np.expand_dims(g, axis), x.shape),),  # axes put back
+ g, x.shape),),  # axes put back
