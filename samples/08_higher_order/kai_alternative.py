# Right answers written differently: hvp on a NumPy array of Vars, the Hessian's columns
# stacked as rows and transposed, Newton's step by a Cholesky factor, checkpoints in a list
# reversed by index, and tape_memory with one tracemalloc session reset between the two.
# base: solution
# %% hvp
def hvp(f, x, v):
    nodes = np.array([Var(Dual(float(a), float(b))) for a, b in zip(x, v)], dtype=object)
    f(nodes).backward()
    return np.array([node.grad.tangent if isinstance(node.grad, Dual) else 0.0 for node in nodes])
# %% hessian
def hessian(f, x):
    rows = [hvp(f, x, np.eye(len(x))[j]) for j in range(len(x))]
    return np.array(rows).T.reshape(len(x), len(x))
# %% newton_logistic
def newton_logistic(X, y, steps=10, ridge=1e-6):
    m, d = X.shape
    w = np.zeros(d)
    losses = [logistic_loss(X, y, w, ridge)]
    for _ in range(steps):
        p = sigmoid(X @ w)
        weights = p * (1 - p)
        H = (X * weights[:, None]).T @ X / m + ridge * np.eye(d)
        g = X.T @ (p - y) / m + ridge * w
        L = np.linalg.cholesky(H)                      # H = L L^T, L lower triangular
        w = w - np.linalg.solve(L.T, np.linalg.solve(L, g))
        losses.append(logistic_loss(X, y, w, ridge))
    return w, np.array(losses)
# %% checkpointed_grad
def checkpointed_grad(step, dstep, x0, n, every):
    kept = []                                          # kept[i] is x_(i * every)
    x = x0
    for k in range(n):
        if k % every == 0:
            kept.append(x)
        x = step(x)
    g = 1.0 if np.ndim(x) == 0 else np.ones(np.shape(x))
    for i in range(len(kept) - 1, -1, -1):
        segment = [kept.pop()]
        while len(segment) < min(every, n - i * every):
            segment.append(step(segment[-1]))
        for state in reversed(segment):
            g = dstep(state, g)
        del segment
    return g, x
# %% tape_memory
def tape_memory(n):
    x0 = recurrence_start()
    every = max(1, round(math.sqrt(n)))
    peaks = []
    tracemalloc.start()
    for run in (lambda: full_tape_grad(recurrence_step, recurrence_vjp, x0, n),
                lambda: checkpointed_grad(recurrence_step, recurrence_vjp, x0, n, every)):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()
        peaks.append(tracemalloc.get_traced_memory()[1] - before)
    tracemalloc.stop()
    return tuple(peaks)
