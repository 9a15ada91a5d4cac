# Right answers written differently: tags from the depth of nesting (a call's tag is one
# more than that of the call it runs inside), both operands split along the newer tag.
# base: solution
# %% tagged_derivative
class TaggedDual:
    def __init__(self, value, tangent, tag):
        self.value, self.tangent, self.tag = value, tangent, tag

    def _split(self, other):
        """The newer tag t, and both operands as (part without d_t, coefficient of d_t)."""
        t = max(self.tag, other.tag) if isinstance(other, TaggedDual) else self.tag
        return t, _along(self, t), _along(other, t)

    def __add__(self, other):
        t, (a, da), (b, db) = self._split(other)
        return TaggedDual(a + b, da + db, t)

    def __mul__(self, other):
        t, (a, da), (b, db) = self._split(other)
        return TaggedDual(a * b, da * b + a * db, t)

    def __neg__(self):
        return TaggedDual(-self.value, -self.tangent, self.tag)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    __radd__ = __add__
    __rmul__ = __mul__


def _along(z, t):
    if isinstance(z, TaggedDual) and z.tag == t:
        return z.value, z.tangent
    return z, 0.0


def derivative_tagged(f, x):
    depth = getattr(derivative_tagged, "depth", 0) + 1
    derivative_tagged.depth = depth
    try:
        y = f(TaggedDual(x, 1.0, depth))
    finally:
        derivative_tagged.depth = depth - 1

    def read(z):
        if not isinstance(z, TaggedDual) or z.tag < depth:
            return 0.0  # holds no d of this call: the newer tags are the outer ones
        if z.tag == depth:
            return z.tangent
        return TaggedDual(read(z.value), read(z.tangent), z.tag)
    return read(y)
