# hvp returns the values of the grads, the gradient, where their tangents, H v, are asked.
# base: solution
# loses: hvp, hessian
# %% hvp
def hvp(f, x, v):
    xs = [Var(Dual(a, b)) for a, b in zip(x, v)]
    f(xs).backward()
    return np.array([value_of(xi.grad) for xi in xs])
