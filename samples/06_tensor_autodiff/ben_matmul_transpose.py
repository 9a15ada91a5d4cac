# The matmul VJPs forget the transposes: G @ B and A @ G.
# base: solution
# loses: Tensor
# %% Tensor
def unbroadcast(G, shape):
    """G summed over the axes that broadcasting added or stretched, so that it has `shape`.

    If x of shape `shape` was broadcast to G.shape in the forward pass, every copy of an
    entry of x received a share of the gradient: the gradient of x is the sum of the
    shares. Leading axes that broadcasting added are summed away; axes where x had
    length 1 are summed with keepdims. G is not modified.
    """
    G = np.asarray(G, dtype=float)
    shape = tuple(shape)
    G = G.sum(axis=tuple(range(G.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    if stretched:
        G = G.sum(axis=stretched, keepdims=True)
    return G.reshape(shape)


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
        self.data = np.asarray(data, dtype=float)
        self.parents = tuple(parents)
        self.grad = None

    # --- the rules: one line per primitive, its function then one VJP per argument ----------
    def __add__(self, other):
        return primitive(np.add, (lambda g, ans, x, y: g, lambda g, ans, x, y: g), self, other)

    def __radd__(self, other):
        return type(self).__add__(other, self)  # the same rule, operands swapped

    def __sub__(self, other):
        return primitive(np.subtract, (lambda g, ans, x, y: g, lambda g, ans, x, y: -g), self, other)

    def __rsub__(self, other):
        return type(self).__sub__(other, self)  # the same rule, operands swapped

    def __mul__(self, other):
        return primitive(np.multiply, (lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), self, other)

    def __rmul__(self, other):
        return type(self).__mul__(other, self)  # the same rule, operands swapped

    def __truediv__(self, other):
        return primitive(np.divide, (lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y), self, other)

    def __rtruediv__(self, other):
        return type(self).__truediv__(other, self)  # the same rule, operands swapped

    def __matmul__(self, other):
        """self @ other: matrices, a matrix and a vector, stacks of matrices (NumPy's rules)."""
        return primitive(np.matmul, (
            lambda g, ans, x, y: g @ y if y.ndim > 1 else np.multiply.outer(g, y),
            lambda g, ans, x, y: np.swapaxes(x, -1, -2) @ g if x.ndim > 1 else np.multiply.outer(x, g)),
            self, other)

    def __rmatmul__(self, other):
        return type(self).__matmul__(other, self)  # the same rule, operands swapped

    def __neg__(self):
        return primitive(np.negative, (lambda g, ans, x: -g,), self)

    def sum(self, axis=None, keepdims=False):
        """The sum over `axis` (None: all), as np.sum."""
        return primitive(np.sum, (lambda g, ans, x, axis, keepdims: np.broadcast_to(
            g if axis is None or keepdims else np.expand_dims(g, axis), x.shape),),  # axes put back
            self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """The mean over `axis` (None: all), as np.mean."""
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * (total.data.size / self.data.size)

    def exp(self):
        return primitive(np.exp, (lambda g, ans, x: g * ans,), self)

    def log(self):
        return primitive(np.log, (lambda g, ans, x: g / x,), self)

    def tanh(self):
        return primitive(np.tanh, (lambda g, ans, x: g * (1.0 - ans * ans),), self)

    def relu(self):
        """max(x, 0) elementwise (its derivative at 0 taken as 0)."""
        return primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: g * (x > 0),), self)

    def reshape(self, *shape):
        """The same entries in another shape: t.reshape(2, 3) or t.reshape((2, 3))."""
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return primitive(np.reshape, (lambda g, ans, x, shape: np.reshape(g, np.shape(x)),), self, shape=shape)

    @property
    def T(self):
        """The transpose (axes reversed), as ndarray.T."""
        return primitive(np.transpose, (lambda g, ans, x: np.transpose(g),), self)

    # Given: the shape, printing, and backward() as a method.
    @property
    def shape(self):
        return self.data.shape

    def backward(self):
        backward(self)

    def __repr__(self):
        return f"Tensor({self.data!r})"
