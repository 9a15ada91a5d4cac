# Forgets to divide the imaginary part by h in the complex step.
# base: solution
# loses: complex_step
# %% complex_step
def complex_step(f, x, h=1e-20):
    return np.imag(f(x + 1j * h))
