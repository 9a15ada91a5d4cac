# Right, written as micrograd writes it: a Neuron, a Layer and an MLP class whose parameters()
# follow the exercise's order, every sum taken with sum(), the update through the Vars.
# base: solution
# loses:
# %% train_scalar_mlp
class Neuron:
    def __init__(self, w, b, linear=False):
        self.w, self.b, self.linear = w, b, linear

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act if self.linear else tanh(act)


class Layer:
    def __init__(self, neurons):
        self.neurons = neurons

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out


class MLP:
    def __init__(self, values):
        p = [Var(value) for value in values]
        self.hidden = Layer([Neuron(p[2 * j:2 * j + 2], p[6 + j]) for j in range(3)])
        self.output = Layer([Neuron(p[9:12], p[12], linear=True)])
        self.params = p

    def __call__(self, x):
        return self.output(self.hidden(x))

    def parameters(self):
        return self.params


def train_scalar_mlp(params, data, lr=0.1, steps=20):
    values, losses = list(params), []
    for _ in range(steps):
        model = MLP(values)
        loss = sum((model((x1, x2)) - y) ** 2 for x1, x2, y in data) / len(data)
        loss.backward()
        losses.append(loss.value)
        for p in model.parameters():
            p.value -= lr * p.grad
        values = [p.value for p in model.parameters()]
    return values, losses
