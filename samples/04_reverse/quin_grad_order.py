# grad returns the partial derivatives last argument first.
# base: solution
# loses: grad
# %% grad
def grad(f):
    def gradient(*args):
        inputs = [Var(float(a)) for a in args]
        backward(f(*inputs))
        return tuple(float(x.grad) for x in reversed(inputs))
    return gradient
