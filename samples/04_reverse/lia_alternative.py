# Right answers written differently: operations composed from a few primitives, elementary
# functions from one helper, backward by Kahn's algorithm (a node is processed once every node
# that uses it has passed its gradient on).
# base: solution
# %% Var
class Var:
    def __init__(self, value, parents=()):
        self.value = value
        self.parents = tuple(parents)
        self.grad = 0.0

    def __add__(self, other):
        if isinstance(other, Var):
            return Var(self.value + other.value, [(self, 1.0), (other, 1.0)])
        return Var(self.value + other, [(self, 1.0)])

    def __mul__(self, other):
        if isinstance(other, Var):
            return Var(self.value * other.value, [(self, other.value), (other, self.value)])
        return Var(self.value * other, [(self, other)])

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return -self + other

    def __pow__(self, other):
        if isinstance(other, Var):  # u**w = e**(w log u), through an intermediate node w log u
            exponent = other * Var(np.log(self.value), [(self, 1 / self.value)])
            return Var(np.exp(exponent.value), [(exponent, np.exp(exponent.value))])
        return Var(self.value ** other, [(self, other * self.value ** (other - 1))])

    def __rpow__(self, other):
        exponent = self * float(np.log(other))
        return Var(np.exp(exponent.value), [(exponent, np.exp(exponent.value))])

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return self ** -1 * other

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        backward(self)

    def __repr__(self):
        return f"Var({self.value!r}, grad={self.grad!r})"
# %% elementary_functions
def _unary(f, df):
    def apply(x):
        if isinstance(x, Var):
            return Var(f(x.value), [(x, df(x.value))])
        return f(x)
    return apply


sin = _unary(np.sin, np.cos)
cos = _unary(np.cos, lambda v: -np.sin(v))
exp = _unary(np.exp, np.exp)
log = _unary(np.log, lambda v: 1 / v)
tanh = _unary(np.tanh, lambda v: 1 - np.tanh(v) ** 2)
relu = _unary(lambda v: max(v, 0.0), lambda v: float(v > 0))
# %% backward
def backward(output):
    nodes, users, todo = {id(output): output}, {id(output): 0}, [output]
    while todo:
        node = todo.pop()
        for parent, _ in node.parents:
            if id(parent) not in nodes:
                nodes[id(parent)] = parent
                users[id(parent)] = 0
                todo.append(parent)
            users[id(parent)] += 1
    for node in nodes.values():
        node.grad = 0.0
    output.grad = 1.0
    ready = [output]
    while ready:
        node = ready.pop()
        for parent, local in node.parents:
            parent.grad += node.grad * local
            users[id(parent)] -= 1
            if users[id(parent)] == 0:
                ready.append(parent)
# %% grad
def grad(f):
    def partials(*xs):
        inputs = [Var(x) for x in xs]
        f(*inputs).backward()
        return tuple(v.grad for v in inputs)
    return partials
