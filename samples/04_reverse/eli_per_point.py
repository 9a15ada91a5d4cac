# Stochastic gradient descent: the parameters move after each data point, on that point's
# squared error, instead of once per step on the gradient of the mean over all the data.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp
def train_scalar_mlp(params, data, lr=0.1, steps=20):
    params, losses = [float(p) for p in params], []
    for _ in range(steps):
        seen = 0.0
        for x1, x2, y in data:
            nodes = [Var(p) for p in params]
            w, b, v, c = nodes[0:6], nodes[6:9], nodes[9:12], nodes[12]
            out = c
            for j in range(3):
                out = out + v[j] * tanh(w[2 * j] * x1 + w[2 * j + 1] * x2 + b[j])
            loss = (out - y) ** 2
            backward(loss)
            seen += loss.value
            params = [p.value - lr * p.grad for p in nodes]
        losses.append(seen / len(data))
    return params, losses
