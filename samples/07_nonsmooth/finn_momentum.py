# FISTA's momentum is computed from the extrapolated points: y = x_k + beta (x_k - y_k).
# base: solution
# loses: fista
# %% fista: edit
- y = x_next + (t - 1.0) / t_next * (x_next - x)
+ y = x_next + (t - 1.0) / t_next * (x_next - y)
