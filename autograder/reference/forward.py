"""Reference answers of chapter 03_forward: forward mode with dual numbers.

The one source of the chapter's solution code (`autograder build` copies it into
`solutions/03_forward/forward.ipynb`). A dual number x + x' d with d**2 = 0 carries a
value and a tangent; each operation's rule follows from d**2 = 0:

    (a + a'd) + (b + b'd) = (a + b) + (a' + b') d
    (a + a'd) (b + b'd)   = a b + (a' b + a b') d
    -(a + a'd)            = -a - a' d
    1 / (b + b'd)         = 1/b - (b' / b**2) d
    f(a + a'd)            = f(a) + f'(a) a' d        (for any smooth f: the chain rule)

Values and tangents may be floats, NumPy arrays (elementwise) or dual numbers (nesting,
for second derivatives).
"""
import numpy as np

#: The answer cells that hold several definitions.
SOLUTION_CELLS = {"elementary_functions": ("sin", "cos", "exp", "log", "sqrt", "tanh"),
                  "tagged_derivative": ("TaggedDual", "derivative_tagged")}


class Dual:
    """A dual number value + tangent * d, with d**2 = 0.

    `value` and `tangent` are floats, NumPy arrays (of one shape, or broadcastable) or
    Duals. Arithmetic works with Duals and plain numbers (or arrays) on either side;
    comparisons compare values.
    """

    def __init__(self, value, tangent=0.0):
        ### BEGIN SOLUTION
        self.value = value
        self.tangent = tangent
        ### END SOLUTION

    def __add__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.tangent + other.tangent)
        return Dual(self.value + other, self.tangent)
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __rsub__(self, other):
        ### BEGIN SOLUTION
        return (-self) + other
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Dual):
            return Dual(self.value * other.value,
                        self.tangent * other.value + self.value * other.tangent)
        return Dual(self.value * other, self.tangent * other)
        ### END SOLUTION

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Dual):
            return self * other.reciprocal()
        return Dual(self.value / other, self.tangent / other)
        ### END SOLUTION

    def __rtruediv__(self, other):
        ### BEGIN SOLUTION
        return self.reciprocal() * other
        ### END SOLUTION

    def reciprocal(self):
        """1 / self = 1/value - (tangent / value**2) d."""
        ### BEGIN SOLUTION
        return Dual(1 / self.value, -self.tangent / (self.value * self.value))
        ### END SOLUTION

    def __neg__(self):
        ### BEGIN SOLUTION
        return Dual(-self.value, -self.tangent)
        ### END SOLUTION

    def __pow__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, Dual):  # u**w = exp(w log u): (u**w)' = u**w (w' log u + w u' / u)
            def log_of(v):  # log of a number, an array or a Dual (u may be a Dual of Duals)
                return Dual(log_of(v.value), v.tangent / v.value) if isinstance(v, Dual) else np.log(v)

            power = self.value ** other.value
            return Dual(power, power * (other.tangent * log_of(self.value)
                                        + other.value * self.tangent / self.value))
        return Dual(self.value ** other, other * self.value ** (other - 1) * self.tangent)
        ### END SOLUTION

    def __rpow__(self, other):
        ### BEGIN SOLUTION
        power = other ** self.value
        return Dual(power, power * np.log(other) * self.tangent)
        ### END SOLUTION

    # Given: the reflected sum and product, comparisons by value, printing.
    __radd__ = __add__
    __rmul__ = __mul__

    def __lt__(self, other):
        return self.value < (other.value if isinstance(other, Dual) else other)

    def __le__(self, other):
        return self.value <= (other.value if isinstance(other, Dual) else other)

    def __gt__(self, other):
        return self.value > (other.value if isinstance(other, Dual) else other)

    def __ge__(self, other):
        return self.value >= (other.value if isinstance(other, Dual) else other)

    def __repr__(self):
        return f"Dual({self.value!r}, {self.tangent!r})"

    # NumPy arrays on the left defer to Dual's reflected operators (array * dual).
    __array_ufunc__ = None


def sin(x):
    """sin of a float, an array or a Dual: sin(a + a'd) = sin(a) + cos(a) a' d."""
    if isinstance(x, Dual):
        return Dual(sin(x.value), cos(x.value) * x.tangent)
    return np.sin(x)


def cos(x):
    """cos(a + a'd) = cos(a) - sin(a) a' d."""
    if isinstance(x, Dual):
        return Dual(cos(x.value), -sin(x.value) * x.tangent)
    return np.cos(x)


def exp(x):
    """exp(a + a'd) = exp(a) + exp(a) a' d."""
    if isinstance(x, Dual):
        e = exp(x.value)
        return Dual(e, e * x.tangent)
    return np.exp(x)


def log(x):
    """log(a + a'd) = log(a) + (a' / a) d."""
    if isinstance(x, Dual):
        return Dual(log(x.value), x.tangent / x.value)
    return np.log(x)


def sqrt(x):
    """sqrt(a + a'd) = sqrt(a) + a' / (2 sqrt(a)) d."""
    if isinstance(x, Dual):
        s = sqrt(x.value)
        return Dual(s, x.tangent / (2 * s))
    return np.sqrt(x)


def tanh(x):
    """tanh(a + a'd) = tanh(a) + (1 - tanh(a)**2) a' d."""
    if isinstance(x, Dual):
        t = tanh(x.value)
        return Dual(t, (1 - t * t) * x.tangent)
    return np.tanh(x)


def derivative(f, x):
    """f'(x) for a scalar function f, by one forward pass: the tangent of f(x + 1 d)."""
    return f(Dual(x, 1.0)).tangent


def jvp(f, x, v):
    """The pair (f(x), J(x) v) for 1-D arrays x and v, by one forward pass.

    f maps a 1-D array to a 1-D array; called on a Dual whose value is x and whose
    tangent is v, it returns a Dual whose value is f(x) and whose tangent is J v.
    """
    x = np.asarray(x, dtype=float)
    y = f(Dual(x, np.asarray(v, dtype=float)))
    return y.value, y.tangent


def jacobian_forward(f, x):
    """The (m, n) Jacobian of f at the 1-D array x, by n forward passes: column j is the
    Jacobian-vector product with the j-th unit vector."""
    x = np.asarray(x, dtype=float)
    columns = [jvp(f, x, e)[1] for e in np.eye(x.size)]
    return np.stack(columns, axis=1)


def jacobian_vector_mode(f, x):
    """The (m, n) Jacobian of f at the 1-D array x by one forward pass (one call of f) in
    vector mode."""
    # One Dual whose value is x and whose tangent is the n x n identity (row i, the tangent
    # of x_i, is e_i): every intermediate result carries n tangents at once, and the
    # output's tangent is the Jacobian, row i the gradient of f_i.
    x = np.asarray(x, dtype=float)
    return np.asarray(f(Dual(x, np.eye(x.size))).tangent, dtype=float)


def second_derivative(f, x):
    """f''(x) by nesting dual numbers: x + d1 + d2 with the inner tangent carrying the
    first derivative and the outer one differentiating it again."""
    return f(Dual(Dual(x, 1.0), Dual(1.0, 0.0))).tangent.tangent


class TaggedDual:
    """value + tangent * d_tag, a dual number whose unit d_tag belongs to one call of
    `derivative_tagged` (an int: of two nested calls, the inner one has the larger tag).

    `value` and `tangent` are numbers or TaggedDuals of older (smaller) tags. `+`, `-`
    and `*` work with TaggedDuals or numbers on either side; when two TaggedDuals of
    different tags meet, the newer one is the outer dual number and the other, a
    constant for its d_tag, combines with its value and tangent.
    """

    def __init__(self, value, tangent, tag):
        ### BEGIN SOLUTION
        self.value = value
        self.tangent = tangent
        self.tag = tag
        ### END SOLUTION

    def __add__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, TaggedDual) and other.tag > self.tag:
            return other + self  # other is the outer dual number
        if isinstance(other, TaggedDual) and other.tag == self.tag:
            return TaggedDual(self.value + other.value, self.tangent + other.tangent, self.tag)
        return TaggedDual(self.value + other, self.tangent, self.tag)  # other: constant for d_tag
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        if isinstance(other, TaggedDual) and other.tag > self.tag:
            return other * self
        if isinstance(other, TaggedDual) and other.tag == self.tag:
            return TaggedDual(self.value * other.value,
                              self.tangent * other.value + self.value * other.tangent, self.tag)
        return TaggedDual(self.value * other, self.tangent * other, self.tag)
        ### END SOLUTION

    def __neg__(self):
        ### BEGIN SOLUTION
        return TaggedDual(-self.value, -self.tangent, self.tag)
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __rsub__(self, other):
        ### BEGIN SOLUTION
        return (-self) + other
        ### END SOLUTION

    # Given: a number on the left of + and * (a sum and a product of numbers commute).
    __radd__ = __add__
    __rmul__ = __mul__

    def __repr__(self):
        return f"TaggedDual({self.value!r}, {self.tangent!r}, tag={self.tag!r})"


def derivative_tagged(f, x):
    """f'(x) for a function f of one number built from + - * and numbers, which may itself
    call derivative_tagged (nesting) without perturbation confusion.

    Each call takes a tag larger than those of the calls it runs inside (a counter of the
    calls), seeds TaggedDual(x, 1.0, tag), and returns the coefficient of its own d_tag in
    f's result: a number, or a TaggedDual of an outer call's (older) tag, which that call
    reads off.
    """
    ### BEGIN SOLUTION
    derivative_tagged.last_tag = tag = getattr(derivative_tagged, "last_tag", 0) + 1

    def coefficient(y):  # the coefficient of d_tag in y
        if not isinstance(y, TaggedDual):
            return 0.0  # a number: a constant
        if y.tag == tag:
            return y.tangent
        # another tag's dual number: look into its value and tangent (with the rule of
        # TaggedDual its tag is older and holds no d_tag, so they come out 0)
        return TaggedDual(coefficient(y.value), coefficient(y.tangent), y.tag)

    return coefficient(f(TaggedDual(x, 1.0, tag)))
    ### END SOLUTION
