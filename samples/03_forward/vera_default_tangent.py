# The default tangent is 1.0, the exercise's 0.0: Dual(3.0) is 3 + d, not the constant 3.
# base: solution
# loses: Dual
# %% Dual: edit
- def __init__(self, value, tangent=0.0):
+ def __init__(self, value, tangent=1.0):
