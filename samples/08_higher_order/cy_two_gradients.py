# hvp by a central difference of two gradients: close to H v, but two passes and not exact.
# base: solution
# loses: hvp, hessian
# %% hvp
def hvp(f, x, v):
    def gradient(z):
        zs = [Var(a) for a in z]
        f(zs).backward()
        return np.array([zi.grad for zi in zs])
    h = 1e-5
    return (gradient(x + h * v) - gradient(x - h * v)) / (2 * h)
