# Each loss is evaluated after its step, at the new parameters, instead of before it.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp
def train_scalar_mlp(params, data, lr=0.1, steps=20):
    def loss_at(values):
        nodes = [Var(p) for p in values]
        w, b, v, c = nodes[0:6], nodes[6:9], nodes[9:12], nodes[12]
        total = 0.0
        for x1, x2, y in data:
            out = c + sum(v[j] * tanh(w[2 * j] * x1 + w[2 * j + 1] * x2 + b[j]) for j in range(3))
            total = total + (out - y) ** 2
        return nodes, total / len(data)

    params, losses = list(params), []
    for _ in range(steps):
        nodes, loss = loss_at(params)
        backward(loss)
        params = [p.value - lr * p.grad for p in nodes]
        losses.append(loss_at(params)[1].value)
    return params, losses
