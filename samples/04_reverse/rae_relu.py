# relu'(0) taken as 1 (x >= 0): a subgradient, but not the course's convention, relu'(0) = 0.
# base: solution
# loses: elementary_functions
# %% elementary_functions: edit
- return Var(max(x.value, 0.0), ((x, 1.0 if x.value > 0 else 0.0),))
+ return Var(max(x.value, 0.0), ((x, 1.0 if x.value >= 0 else 0.0),))
