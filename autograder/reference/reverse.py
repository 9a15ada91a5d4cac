"""Reference answers of chapter 04_reverse: reverse mode on scalars.

The one source of the chapter's solution code (`autograder build` copies it into
`solutions/04_reverse/reverse.ipynb`). Each operation creates a node `Var(value,
parents)` and records, for each operand, the pair (operand, d node / d operand) as a
float. `backward(output)` then applies the chain rule once per edge, from the output
back to the inputs, in reverse topological order:

    grad(output) = 1,    grad(parent) = sum over the nodes n that use parent of
                                        grad(n) * (d n / d parent)

so every node's gradient is complete before it is passed on, and each node's parents
are visited once: the cost is linear in the size of the graph.
"""
import numpy as np

#: The answer cells that hold several definitions.
SOLUTION_CELLS = {"elementary_functions": ("sin", "cos", "exp", "log", "tanh", "relu")}


class Var:
    """A node of the computation graph: a value, its parents and its gradient.

    `parents` is a tuple of (parent, local_derivative) pairs, local_derivative being
    d self / d parent as a float. `grad` is 0.0 until `backward` fills it with
    d output / d self. Arithmetic works with Vars and plain numbers on either side;
    each result records its parents with their local derivatives.
    """

    def __init__(self, value, parents=()):
        ### BEGIN SOLUTION
        self.value = value
        self.parents = tuple(parents)
        self.grad = 0.0
        ### END SOLUTION

    def __add__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Var):
            return Var(self.value + other.value, ((self, 1.0), (other, 1.0)))
        return Var(self.value + other, ((self, 1.0),))
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Var):
            return Var(self.value * other.value, ((self, other.value), (other, self.value)))
        return Var(self.value * other, ((self, float(other)),))
        ### END SOLUTION

    def __neg__(self):
        ### BEGIN SOLUTION
        return Var(-self.value, ((self, -1.0),))
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Var):
            return Var(self.value - other.value, ((self, 1.0), (other, -1.0)))
        return Var(self.value - other, ((self, 1.0),))
        ### END SOLUTION

    def __rsub__(self, other):
        ### BEGIN SOLUTION
        return Var(other - self.value, ((self, -1.0),))
        ### END SOLUTION

    def __pow__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Var):  # u**w: d/du = w u**(w-1), d/dw = u**w log u
            power = self.value ** other.value
            return Var(power, ((self, other.value * self.value ** (other.value - 1)),
                               (other, power * np.log(self.value))))
        return Var(self.value ** other, ((self, other * self.value ** (other - 1)),))
        ### END SOLUTION

    def __rpow__(self, other):
        ### BEGIN SOLUTION
        power = other ** self.value
        return Var(power, ((self, power * np.log(other)),))
        ### END SOLUTION

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Var):
            return Var(self.value / other.value,
                       ((self, 1.0 / other.value), (other, -self.value / other.value ** 2)))
        return Var(self.value / other, ((self, 1.0 / other),))
        ### END SOLUTION

    def __rtruediv__(self, other):
        ### BEGIN SOLUTION
        return Var(other / self.value, ((self, -other / self.value ** 2),))
        ### END SOLUTION

    # Given: the reflected sum and product, the backward pass, printing.
    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        """Fill the gradients of every node this one depends on (see `backward`)."""
        backward(self)

    def __repr__(self):
        return f"Var({self.value!r}, grad={self.grad!r})"


def sin(x):
    """sin of a Var or a float: d sin(x) / dx = cos(x)."""
    if isinstance(x, Var):
        return Var(np.sin(x.value), ((x, np.cos(x.value)),))
    return np.sin(x)


def cos(x):
    """d cos(x) / dx = -sin(x)."""
    if isinstance(x, Var):
        return Var(np.cos(x.value), ((x, -np.sin(x.value)),))
    return np.cos(x)


def exp(x):
    """d exp(x) / dx = exp(x)."""
    if isinstance(x, Var):
        e = np.exp(x.value)
        return Var(e, ((x, e),))
    return np.exp(x)


def log(x):
    """d log(x) / dx = 1 / x."""
    if isinstance(x, Var):
        return Var(np.log(x.value), ((x, 1.0 / x.value),))
    return np.log(x)


def tanh(x):
    """d tanh(x) / dx = 1 - tanh(x)**2."""
    if isinstance(x, Var):
        t = np.tanh(x.value)
        return Var(t, ((x, 1.0 - t * t),))
    return np.tanh(x)


def relu(x):
    """max(x, 0): d relu(x) / dx = 1 for x > 0 and 0 for x <= 0 (0 at the kink, by
    the same convention as PyTorch and JAX)."""
    if isinstance(x, Var):
        return Var(max(x.value, 0.0), ((x, 1.0 if x.value > 0 else 0.0),))
    return max(x, 0.0)


def maximum(a, b):
    """max(a, b) of two Vars, or of a Var and a number: the gradient is routed to the larger
    operand (local derivative 1, and 0 for the other); at a tie it is split, 1/2 each, as
    PyTorch's `torch.maximum` and JAX's `jnp.maximum` do. Two numbers give their maximum
    (a number here; a Var holding it is right too)."""
    a_value = a.value if isinstance(a, Var) else a
    b_value = b.value if isinstance(b, Var) else b
    if not isinstance(a, Var) and not isinstance(b, Var):
        return max(a_value, b_value)
    share = 0.5 if a_value == b_value else 1.0
    parents = []
    if isinstance(a, Var):
        parents.append((a, share if a_value >= b_value else 0.0))
    if isinstance(b, Var):
        parents.append((b, share if b_value >= a_value else 0.0))
    return Var(max(a_value, b_value), tuple(parents))


def backward(output):
    """Fill `.grad` of `output` and of every node it depends on with d output / d node.

    output.grad becomes 1.0; a node reached along several paths gets the sum of their
    contributions. The nodes are put in topological order by a depth-first search with
    an explicit stack (no recursion, so graphs of any depth work), then each node
    passes its gradient to its parents once, outputs before inputs: linear time.
    Each call starts the nodes it reaches from 0, so calling it twice gives the same
    gradients (nodes that output does not depend on are left alone).
    """
    order, visited = [], set()
    stack = [(output, False)]
    while stack:
        node, finished = stack.pop()
        if finished:  # its parents are all in `order` already: it comes after them
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent, _ in node.parents if id(parent) not in visited)
    for node in order:
        node.grad = 0.0
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def grad(f):
    """The function x1, ..., xn -> (df/dx1, ..., df/dxn) for a scalar f of n numbers,
    by one forward evaluation on Vars and one backward pass."""
    def gradient(*args):
        inputs = [Var(float(a)) for a in args]
        backward(f(*inputs))
        return tuple(float(x.grad) for x in inputs)
    return gradient


def train_scalar_mlp(params, data, lr=0.1, steps=20):
    """Train a network of 2 inputs, 3 tanh hidden units and one linear output by gradient
    descent, with Vars:

        h_j = tanh(w_j1 x1 + w_j2 x2 + b_j) for j = 1, 2, 3,    out = v_1 h_1 + v_2 h_2 + v_3 h_3 + c.

    params: 13 floats, [w_11, w_12, w_21, w_22, w_31, w_32, b_1, b_2, b_3, v_1, v_2, v_3, c]
    (w_jk multiplies input k in hidden unit j). data: a list of (x1, x2, y) triples.
    The loss is L = mean over the data of (out - y)**2. Each of the `steps` steps builds L
    at the current parameters with Vars and `tanh`, calls `backward` once, then moves
    every parameter at once: p <- p - lr * dL/dp. Returns (final_params, losses): the 13
    floats after the last step, and the `steps` losses, each at the parameters before its
    step (steps=0 gives the parameters unchanged and []). params and data are not modified.
    """
    params = [float(p) for p in params]
    losses = []
    for _ in range(steps):
        nodes = [Var(p) for p in params]  # fresh leaves: nothing left over from the last step
        w, b, v, c = nodes[0:6], nodes[6:9], nodes[9:12], nodes[12]
        total = 0.0
        for x1, x2, y in data:
            out = c
            for j in range(3):
                out = out + v[j] * tanh(w[2 * j] * x1 + w[2 * j + 1] * x2 + b[j])
            total = total + (out - y) ** 2
        loss = total / len(data)
        backward(loss)
        losses.append(float(loss.value))
        params = [float(p.value - lr * p.grad) for p in nodes]
    return params, losses
