# relu'(0) taken as 1 (x >= 0): a subgradient, but not the course's convention, relu'(0) = 0.
# base: solution
# loses: elementary_functions
# %% elementary_functions
def sin(x):
    if isinstance(x, Var):
        return Var(np.sin(x.value), ((x, np.cos(x.value)),))
    return np.sin(x)


def cos(x):
    if isinstance(x, Var):
        return Var(np.cos(x.value), ((x, -np.sin(x.value)),))
    return np.cos(x)


def exp(x):
    if isinstance(x, Var):
        return Var(np.exp(x.value), ((x, np.exp(x.value)),))
    return np.exp(x)


def log(x):
    if isinstance(x, Var):
        return Var(np.log(x.value), ((x, 1.0 / x.value),))
    return np.log(x)


def tanh(x):
    if isinstance(x, Var):
        t = np.tanh(x.value)
        return Var(t, ((x, 1.0 - t * t),))
    return np.tanh(x)


def relu(x):
    if isinstance(x, Var):
        return Var(max(x.value, 0.0), ((x, 1.0 if x.value >= 0 else 0.0),))
    return max(x, 0.0)
