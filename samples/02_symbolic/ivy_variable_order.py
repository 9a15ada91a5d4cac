# compile_expr takes the variables in alphabetical order, not in the order given.
# base: solution
# loses: compile_expr
# %% compile_expr: edit
- names = [v.name for v in variables]
+ names = sorted(v.name for v in variables)
