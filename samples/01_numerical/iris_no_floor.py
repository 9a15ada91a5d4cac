# Leaves the floor out of the relative error: 0/0 where both values are zero.
# base: solution
# loses: relative_error
# %% relative_error
def relative_error(a, b, floor=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))))
