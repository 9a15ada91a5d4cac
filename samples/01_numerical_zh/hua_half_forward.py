# The forward difference divided by 2h, as the central one is: every estimate is half the
# derivative, and the feedback names the factor of 2 in Chinese.
# base: solution
# loses: forward_difference
# %% forward_difference
def forward_difference(f, x, h=1e-6):
    # 误以为和中心差分一样要除以 2h
    return (f(x + h) - f(x)) / (2 * h)
