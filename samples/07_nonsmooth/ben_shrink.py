# soft_threshold shrinks every element by lam but never sets one to 0; ISTA and FISTA call it.
# base: solution
# loses: soft_threshold, ista, fista
# %% soft_threshold
def soft_threshold(x, lam):
    x = np.asarray(x, dtype=float)
    return x - lam * np.sign(x)
