# The chain rule forgotten: sin(u)' = cos(u), exp(u)' = exp(u), log(u)' = 1 / u.
# base: solution
# loses: diff
# %% diff: edit
- return cos(u) * du
+ return cos(u)
@@
- return -sin(u) * du
+ return -sin(u)
@@
- return exp(u) * du
+ return exp(u)
@@
- return du / u
+ return 1 / u
