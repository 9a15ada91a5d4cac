# The central difference with the two points swapped: every derivative comes out with
# its sign flipped, and the feedback says so in Chinese.
# base: solution
# loses: central_difference, test_richardson_visible
# %% central_difference
def central_difference(f, x, h=1e-5):
    # 把 f(x - h) 和 f(x + h) 的位置写反了
    return (f(x - h) - f(x + h)) / (2 * h)
