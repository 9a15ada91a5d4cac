# The gradients are derived by hand with math.tanh, never with Var and backward: the
# numbers are right, but the exercise trains the network with your Var and backward.
# base: solution
# loses: train_scalar_mlp
# %% train_scalar_mlp

import math

def train_scalar_mlp(params, data, lr=0.1, steps=20):
    p = [float(q) for q in params]
    losses = []
    n = len(data)
    for _ in range(steps):
        g = [0.0] * 13
        L = 0.0
        for x1, x2, y in data:
            h = [math.tanh(p[2*j]*x1 + p[2*j+1]*x2 + p[6+j]) for j in range(3)]
            out = p[12] + sum(p[9+j]*h[j] for j in range(3))
            e = out - y
            L += e * e / n
            d = 2 * e / n
            g[12] += d
            for j in range(3):
                g[9+j] += d * h[j]
                dz = d * p[9+j] * (1 - h[j] ** 2)
                g[2*j] += dz * x1
                g[2*j+1] += dz * x2
                g[6+j] += dz
        losses.append(L)
        p = [a - lr * b for a, b in zip(p, g)]
    return p, losses
