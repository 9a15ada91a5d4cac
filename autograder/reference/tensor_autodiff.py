"""Reference answers of chapter 06_tensor_autodiff: reverse mode on arrays.

The one source of the chapter's solution code (`autograder build` copies it into
`solutions/06_tensor_autodiff/tensor_autodiff.ipynb`). A `Tensor` holds a float array
and the explicit graph: `parents` is a tuple of (parent, vjp) pairs, where vjp maps the
gradient g of the node (an array of the node's shape) to the contribution of that
parent (an array of the parent's shape), the vector-Jacobian product g^T J.

The layout is HIPS autograd's: every primitive is one line of the class naming its
NumPy function and one rule per argument, vjp(g, ans, *args) (the rules of chapter 5);
`primitive` records them and is the one place where broadcasting is undone
(`unbroadcast`, chapter 5's); `backward` is a traversal that never names an operation.
"""
import numpy as np

from .matrix_calculus import unbroadcast

#: The answer cells that hold several definitions.
SOLUTION_CELLS = {"Tensor": ("unbroadcast", "primitive", "Tensor"),
                  "train_mlp": ("fit_mlp", "train_mlp")}


def primitive(fun, vjps, *args, **kwargs):
    """The Tensor fun(*values, **kwargs) (values: the arguments' data), whose parents are
    its Tensor arguments, each with its vector-Jacobian product.

    vjps[i](g, ans, *values, **kwargs) is argument i's contribution to the gradient,
    given the gradient g of the result ans, in the broadcast shape; it is summed back to
    the argument's shape by `unbroadcast`. Numbers and arrays among args are constants:
    they get no parent.
    """
    values = [a.data if isinstance(a, Tensor) else a for a in args]
    ans = fun(*values, **kwargs)

    def parent(a, rule):
        shape = a.data.shape

        def vjp(g):
            contribution = rule(g, ans, *values, **kwargs)
            return contribution if np.shape(contribution) == shape else unbroadcast(contribution, shape)
        return a, vjp
    return Tensor(ans, tuple(parent(a, rule) for a, rule in zip(args, vjps) if isinstance(a, Tensor)))


class Tensor:
    """A float array in a graph: `data`, `parents` ((parent, vjp) pairs), `grad`.

    `grad` is None until `backward` fills it with an array of the tensor's shape.
    Operators and methods follow NumPy (broadcasting included) and accept numbers,
    arrays or Tensors on either side; each result records its Tensor operands as parents
    with one vector-Jacobian product each. Inputs are never modified.
    """

    # Fixed attributes: smaller, faster nodes (add a name here if you need another).
    __slots__ = ("data", "parents", "grad")
    # ndarray + Tensor: NumPy steps aside, so that Tensor.__radd__ is called.
    __array_ufunc__ = None

    def __init__(self, data, parents=()):
        ### BEGIN SOLUTION
        self.data = np.asarray(data, dtype=float)
        self.parents = tuple(parents)
        self.grad = None
        ### END SOLUTION

    # --- the rules: one line per primitive, its function then one VJP per argument ----------
    def __add__(self, other):
        ### BEGIN SOLUTION
        return primitive(np.add, (lambda g, ans, x, y: g, lambda g, ans, x, y: g), self, other)
        ### END SOLUTION

    def __radd__(self, other):
        ### BEGIN SOLUTION
        return type(self).__add__(other, self)  # the same rule, operands swapped
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        return primitive(np.subtract, (lambda g, ans, x, y: g, lambda g, ans, x, y: -g), self, other)
        ### END SOLUTION

    def __rsub__(self, other):
        ### BEGIN SOLUTION
        return type(self).__sub__(other, self)  # the same rule, operands swapped
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        return primitive(np.multiply, (lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), self, other)
        ### END SOLUTION

    def __rmul__(self, other):
        ### BEGIN SOLUTION
        return type(self).__mul__(other, self)  # the same rule, operands swapped
        ### END SOLUTION

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        return primitive(np.divide, (lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y), self, other)
        ### END SOLUTION

    def __rtruediv__(self, other):
        ### BEGIN SOLUTION
        return type(self).__truediv__(other, self)  # the same rule, operands swapped
        ### END SOLUTION

    def __matmul__(self, other):
        """self @ other: matrices, a matrix and a vector, stacks of matrices (NumPy's rules)."""
        ### BEGIN SOLUTION
        return primitive(np.matmul, (
            lambda g, ans, x, y: g @ np.swapaxes(y, -1, -2) if y.ndim > 1 else np.multiply.outer(g, y),
            lambda g, ans, x, y: np.swapaxes(x, -1, -2) @ g if x.ndim > 1 else np.multiply.outer(x, g)),
            self, other)
        ### END SOLUTION

    def __rmatmul__(self, other):
        ### BEGIN SOLUTION
        return type(self).__matmul__(other, self)  # the same rule, operands swapped
        ### END SOLUTION

    def __neg__(self):
        ### BEGIN SOLUTION
        return primitive(np.negative, (lambda g, ans, x: -g,), self)
        ### END SOLUTION

    def sum(self, axis=None, keepdims=False):
        """The sum over `axis` (None: all), as np.sum."""
        ### BEGIN SOLUTION
        return primitive(np.sum, (lambda g, ans, x, axis, keepdims: np.broadcast_to(
            g if axis is None or keepdims else np.expand_dims(g, axis), x.shape),),  # axes put back
            self, axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def mean(self, axis=None, keepdims=False):
        """The mean over `axis` (None: all), as np.mean."""
        ### BEGIN SOLUTION
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * (total.data.size / self.data.size)
        ### END SOLUTION

    def exp(self):
        ### BEGIN SOLUTION
        return primitive(np.exp, (lambda g, ans, x: g * ans,), self)
        ### END SOLUTION

    def log(self):
        ### BEGIN SOLUTION
        return primitive(np.log, (lambda g, ans, x: g / x,), self)
        ### END SOLUTION

    def tanh(self):
        ### BEGIN SOLUTION
        return primitive(np.tanh, (lambda g, ans, x: g * (1.0 - ans * ans),), self)
        ### END SOLUTION

    def relu(self):
        """max(x, 0) elementwise (its derivative at 0 taken as 0)."""
        ### BEGIN SOLUTION
        return primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: g * (x > 0),), self)
        ### END SOLUTION

    def reshape(self, *shape):
        """The same entries in another shape: t.reshape(2, 3) or t.reshape((2, 3))."""
        ### BEGIN SOLUTION
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return primitive(np.reshape, (lambda g, ans, x, shape: np.reshape(g, np.shape(x)),), self, shape=shape)
        ### END SOLUTION

    @property
    def T(self):
        """The transpose (axes reversed), as ndarray.T."""
        ### BEGIN SOLUTION
        return primitive(np.transpose, (lambda g, ans, x: np.transpose(g),), self)
        ### END SOLUTION

    # Given: the shape, printing, and backward() as a method.
    @property
    def shape(self):
        return self.data.shape

    def backward(self):
        backward(self)

    def __repr__(self):
        return f"Tensor({self.data!r})"


def backward(output):
    """Fill `.grad` of every Tensor that the scalar `output` depends on with
    d output / d tensor, an array of the tensor's shape (output.grad = 1).

    The nodes are put in topological order once (an iterative depth-first search, so
    deep graphs work); then, from the output down, each node's gradient is complete
    before it is passed to its parents through their VJPs, and a tensor reached along
    several paths (or twice as a parent) gets the sum of the contributions.
    """
    order, seen, stack = [], {output}, [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for parent, _ in parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    grads = {output: np.ones_like(output.data)}
    owned = set()  # sums made here: safe to add into in place (a VJP may return g itself)
    for node in reversed(order):
        g = grads.pop(node)
        node.grad = np.asarray(g)
        for parent, vjp in node.parents:
            contribution = vjp(g)
            if parent not in grads:
                grads[parent] = contribution
            elif parent in owned:
                grads[parent] += contribution
            else:
                grads[parent] = grads[parent] + contribution
                owned.add(parent)


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
        loss = ((1.0 + z.exp()).log() - y * z).mean()  # the cross-entropy of sigmoid(z)
        backward(loss)
        for p in params.values():
            p.data = p.data - lr * p.grad
        losses.append(float(loss.data))
    return {name: p.data for name, p in params.items()}, losses


def train_mlp(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    """The training losses (mean binary cross-entropy, one float per step) of a two-layer
    tanh classifier of the 2-D points X (n, 2) with labels y in {0, 1}, trained by
    `steps` steps of full-batch gradient descent with step `lr` from an initialisation
    drawn with `seed` (the same seed gives the same losses)."""
    return fit_mlp(X, y, hidden, steps, lr, seed)[1]
