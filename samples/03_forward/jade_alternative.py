# Right answers written differently: derivatives of derivatives, Jacobian in one loop of passes.
# base: solution
# %% derivative
def derivative(f, x):
    result = f(Dual(x, 1.0))
    return result.tangent if isinstance(result, Dual) else 0.0 * np.asarray(x)
# %% jacobian_forward
def jacobian_forward(f, x):
    x = np.asarray(x, dtype=float)
    n = x.size
    columns = []
    for j in range(n):
        seed = np.zeros(n)
        seed[j] = 1.0
        columns.append(np.asarray(f(Dual(x, seed)).tangent))
    return np.column_stack(columns)
# %% second_derivative
def second_derivative(f, x):
    return derivative(lambda t: derivative(f, t), x)
