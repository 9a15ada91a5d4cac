# Right answers written differently: hvp reading Dual tangents from a dict, the Hessian
# filled column by column, Newton's step with H^-1 and the loss from log p and log (1 - p),
# and checkpointing that recomputes each segment into one preallocated array.
# base: solution
# %% hvp
def hvp(f, x, v):
    inputs = {i: Var(Dual(x[i], v[i])) for i in range(len(x))}
    out = f([inputs[i] for i in range(len(x))])
    out.backward()
    return np.array([tangent_of(inputs[i].grad) for i in range(len(x))], dtype=float)
# %% hessian
def hessian(f, x):
    n = len(x)
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        H[:, j] = hvp(f, x, e)
    return H
# %% newton_logistic
def newton_logistic(X, y, steps=10, ridge=1e-6):
    def loss(w):
        p = 1 / (1 + np.exp(-(X @ w)))
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + ridge / 2 * np.dot(w, w)
    w = np.zeros(X.shape[1])
    losses = [loss(w)]
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (p - y) / len(y) + ridge * w
        H = X.T @ np.diag(p * (1 - p)) @ X / len(y) + ridge * np.identity(len(w))
        w = w - np.linalg.inv(H) @ g
        losses.append(loss(w))
    return w, np.array(losses)
# %% checkpointed_grad
def checkpointed_grad(step, dstep, x0, n, every):
    checkpoints = {0: x0}
    x = x0
    for k in range(1, n + 1):
        x = step(x)
        if k % every == 0 and k < n:
            checkpoints[k] = x
    g = np.ones_like(np.asarray(x, dtype=float)) if np.ndim(x) else 1.0
    if n == 0:
        return g, x
    buffer = np.empty((min(every, n),) + np.shape(x0))  # one segment's states, reused
    for start in sorted(checkpoints, reverse=True):
        length = min(every, n - start)
        buffer[0] = checkpoints.pop(start)
        for i in range(1, length):
            buffer[i] = step(buffer[i - 1])
        for i in range(length - 1, -1, -1):
            g = dstep(buffer[i] if np.ndim(x0) else float(buffer[i]), g)
    return g, x
