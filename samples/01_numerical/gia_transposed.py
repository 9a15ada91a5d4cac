# Builds the Jacobian row per input: it comes out transposed.
# base: solution
# loses: numerical_jacobian
# %% numerical_jacobian
def numerical_jacobian(f, x, h=1e-5):
    rows = []
    for j in range(len(x)):
        e = np.zeros(len(x))
        e[j] = h
        rows.append((f(x + e) - f(x - e)) / (2 * h))
    return np.array(rows)
