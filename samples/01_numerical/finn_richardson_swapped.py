# Swaps the weights of Richardson extrapolation.
# base: solution
# loses: richardson
# %% richardson
def richardson(f, x, h=1e-3):
    return (4 * central_difference(f, x, h) - central_difference(f, x, h / 2)) / 3
