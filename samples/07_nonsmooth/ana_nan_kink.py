# subgradient_abs as x / abs(x): 0/0 = nan at the kink, which also poisons the subgradient method.
# base: solution
# loses: subgradient_abs, subgradient_method
# %% subgradient_abs
def subgradient_abs(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return x / np.abs(x)
