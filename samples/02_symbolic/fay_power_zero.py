# simplify turns x ** 0 into 0 (it is 1) and otherwise simplifies right.
# base: solution
# loses: simplify
# %% simplify: edit
- return Const(1)
+ return Const(0)
