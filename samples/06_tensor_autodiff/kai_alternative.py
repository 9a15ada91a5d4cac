# A right engine written differently: rules beside each operator, constants as leaf Tensors,
# subtraction and division composed from other primitives, a recursive topological sort,
# a sigmoid and two logs for the loss, another initialisation.
# base: solution
# %% Tensor
def unbroadcast(G, shape):
    G = np.asarray(G, dtype=float)
    while G.ndim > len(shape):
        G = G.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and G.shape[i] != 1:
            G = G.sum(axis=i, keepdims=True)
    return G


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Tensor:
    __slots__ = ("data", "parents", "grad")
    __array_ufunc__ = None

    def __init__(self, data, parents=()):
        self.data = np.array(data, dtype=float)
        self.parents = tuple(parents)
        self.grad = None

    def __add__(self, other):
        other = as_tensor(other)
        return Tensor(self.data + other.data,
                      ((self, lambda g: unbroadcast(g, self.data.shape)),
                       (other, lambda g: unbroadcast(g, other.data.shape))))

    def __radd__(self, other):
        return self + other

    def __neg__(self):
        return Tensor(-self.data, ((self, lambda g: -g),))

    def __sub__(self, other):
        return self + (-as_tensor(other))

    def __rsub__(self, other):
        return as_tensor(other) + (-self)

    def __mul__(self, other):
        other = as_tensor(other)
        return Tensor(self.data * other.data,
                      ((self, lambda g: unbroadcast(g * other.data, self.data.shape)),
                       (other, lambda g: unbroadcast(g * self.data, other.data.shape))))

    def __rmul__(self, other):
        return self * other

    def reciprocal(self):
        return Tensor(1.0 / self.data, ((self, lambda g: -g / self.data ** 2),))

    def __truediv__(self, other):
        return self * as_tensor(other).reciprocal()

    def __rtruediv__(self, other):
        return as_tensor(other) * self.reciprocal()

    def __matmul__(self, other):
        other = as_tensor(other)
        a, b = self.data, other.data

        def grad_a(g):
            if b.ndim == 1:
                return unbroadcast(np.multiply.outer(g, b), a.shape)
            return unbroadcast(g @ np.swapaxes(b, -1, -2), a.shape)

        def grad_b(g):
            if a.ndim == 1:
                return unbroadcast(np.multiply.outer(a, g), b.shape)
            return unbroadcast(np.swapaxes(a, -1, -2) @ g, b.shape)
        return Tensor(a @ b, ((self, grad_a), (other, grad_b)))

    def __rmatmul__(self, other):
        return as_tensor(other) @ self

    def sum(self, axis=None, keepdims=False):
        def grad(g):
            g = np.asarray(g)
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return g * np.ones_like(self.data)
        return Tensor(self.data.sum(axis=axis, keepdims=keepdims), ((self, grad),))

    def mean(self, axis=None, keepdims=False):
        total = self.sum(axis, keepdims)
        return total * (total.data.size / self.data.size)

    def exp(self):
        e = np.exp(self.data)
        return Tensor(e, ((self, lambda g: g * e),))

    def log(self):
        return Tensor(np.log(self.data), ((self, lambda g: g / self.data),))

    def tanh(self):
        t = np.tanh(self.data)
        return Tensor(t, ((self, lambda g: g * (1 - t ** 2)),))

    def relu(self):
        return Tensor(np.where(self.data > 0, self.data, 0.0), ((self, lambda g: np.where(self.data > 0, g, 0.0)),))

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Tensor(self.data.reshape(shape), ((self, lambda g: np.reshape(g, self.data.shape)),))

    @property
    def T(self):
        return Tensor(self.data.T, ((self, lambda g: np.transpose(g)),))

    @property
    def shape(self):
        return self.data.shape

    def backward(self):
        backward(self)

    def __repr__(self):
        return f"Tensor({self.data!r})"
# %% backward
def backward(output):
    # Kahn's algorithm: count each node's children, then take nodes whose children are done.
    children, stack, seen = {id(output): 0}, [output], {id(output)}
    while stack:
        for parent, _ in stack.pop().parents:
            children[id(parent)] = children.get(id(parent), 0) + 1
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    order, ready = [], [output]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent, _ in node.parents:
            children[id(parent)] -= 1
            if children[id(parent)] == 0:
                ready.append(parent)
    order.reverse()
    for node in order:
        node.grad = np.zeros_like(node.data)
    output.grad = np.ones_like(output.data)
    for node in reversed(order):
        for parent, vjp in node.parents:
            parent.grad = parent.grad + vjp(node.grad)
# %% train_mlp
def fit_mlp(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    rng = np.random.default_rng(seed)
    W1 = Tensor(rng.normal(size=(2, hidden)) / np.sqrt(2))
    b1 = Tensor(np.zeros(hidden))
    W2 = Tensor(rng.normal(size=(hidden, 1)) / np.sqrt(hidden))
    b2 = Tensor(np.zeros(1))
    y = np.asarray(y, dtype=float)
    losses = []
    for step in range(steps):
        z = ((Tensor(X) @ W1 + b1).tanh() @ W2 + b2).reshape(-1)
        p = 1 / (1 + (-z).exp())
        loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
        backward(loss)
        for w in (W1, b1, W2, b2):
            w.data -= lr * w.grad
        losses.append(loss.data.item())
    return {"W1": W1.data, "b1": b1.data, "W2": W2.data.reshape(-1), "b2": b2.data.reshape(())}, losses


def train_mlp(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    return fit_mlp(X, y, hidden, steps, lr, seed)[1]
