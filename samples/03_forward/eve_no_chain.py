# The elementary functions forget to multiply by the tangent (no chain rule).
# base: solution
# loses: elementary_functions
# %% elementary_functions
def _lift(f, df):
    def g(x):
        if isinstance(x, Dual):
            return Dual(g(x.value), df(x.value))
        return f(x)
    return g


sin = _lift(np.sin, lambda v: cos(v))
cos = _lift(np.cos, lambda v: -sin(v))
exp = _lift(np.exp, lambda v: exp(v))
log = _lift(np.log, lambda v: 1 / v)
sqrt = _lift(np.sqrt, lambda v: 0.5 / sqrt(v))
tanh = _lift(np.tanh, lambda v: 1 - tanh(v) ** 2)
