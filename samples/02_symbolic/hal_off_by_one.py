# The logistic map iterated n times instead of n - 1.
# base: solution
# loses: logistic_map
# %% logistic_map
def logistic_map(n):
    l = Var("x")
    for _ in range(n):
        l = 4 * l * (1 - l)
    return l
