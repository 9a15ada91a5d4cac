# The fixed point's derivative by unrolling 200 iterations from x*, with the Jacobians at every
# iterate: the right value, but the iteration, not the implicit function theorem.
# base: solution
# loses: fixed_point_grad
# %% fixed_point_grad
def fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g):
    x = np.array(x_star, dtype=float)
    J = np.zeros((x.size, np.size(theta)))
    for _ in range(200):
        J = dT_dx(x, theta) @ J + np.asarray(dT_dtheta(x, theta)).reshape(x.size, -1)
        x = T(x, theta)
    return (np.asarray(g) @ J).reshape(np.shape(theta))
