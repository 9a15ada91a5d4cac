# dT_dtheta^T g: the derivative of one step of the map, not of its fixed point.
# base: solution
# loses: fixed_point_grad
# %% fixed_point_grad
def fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g):
    Jt = np.asarray(dT_dtheta(x_star, theta)).reshape(np.size(x_star), np.size(theta))
    return (Jt.T @ g).reshape(np.shape(theta))
