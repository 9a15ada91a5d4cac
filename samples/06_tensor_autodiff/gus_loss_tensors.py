# train_mlp returns the loss Tensors themselves instead of floats.
# base: solution
# loses: train_mlp
# %% train_mlp
def fit_mlp(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    """Train the classifier of `train_mlp`; return (params, losses).

    The network: logits z = tanh(X W1 + b1) W2 + b2, P(y = 1) = sigmoid(z); params is a
    dict of arrays W1 (2, hidden), b1 (hidden,), W2 (hidden,), b2 () after training.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    params = {"W1": Tensor(rng.normal(size=(X.shape[1], hidden))), "b1": Tensor(np.zeros(hidden)),
              "W2": Tensor(rng.normal(scale=0.1, size=hidden)), "b2": Tensor(0.0)}
    losses = []
    for _ in range(steps):
        z = (X @ params["W1"] + params["b1"]).tanh() @ params["W2"] + params["b2"]
        loss = ((1.0 + z.exp()).log() - y * z).mean()  # -log sigmoid(+-z), stably enough here
        backward(loss)
        for p in params.values():
            p.data = p.data - lr * p.grad
        losses.append(loss)
    return {name: p.data for name, p in params.items()}, losses


def train_mlp(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    """The training losses (mean binary cross-entropy, one float per step) of a two-layer
    tanh classifier of the 2-D points X (n, 2) with labels y in {0, 1}, trained by
    `steps` steps of full-batch gradient descent with step `lr` from an initialisation
    drawn with `seed` (the same seed gives the same losses)."""
    return fit_mlp(X, y, hidden, steps, lr, seed)[1]
    ### END SOLUTION
