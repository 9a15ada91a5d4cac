# The product rule written (u v)' = u' v'.
# base: solution
# loses: diff
# %% diff: edit
- return du * v + u * dv
+ return du * dv
