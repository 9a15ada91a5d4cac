# number + TaggedDual drops the tangent (TaggedDual + number keeps it): d/dx (1 + x * x) is 0.
# base: solution
# loses: tagged_derivative
# %% tagged_derivative
class TaggedDual:
    def __init__(self, value, tangent, tag):
        self.value = value
        self.tangent = tangent
        self.tag = tag

    def __add__(self, other):
        if isinstance(other, TaggedDual) and other.tag > self.tag:
            return other + self
        if isinstance(other, TaggedDual) and other.tag == self.tag:
            return TaggedDual(self.value + other.value, self.tangent + other.tangent, self.tag)
        return TaggedDual(self.value + other, self.tangent, self.tag)

    def __mul__(self, other):
        if isinstance(other, TaggedDual) and other.tag > self.tag:
            return other * self
        if isinstance(other, TaggedDual) and other.tag == self.tag:
            return TaggedDual(self.value * other.value,
                              self.tangent * other.value + self.value * other.tangent, self.tag)
        return TaggedDual(self.value * other, self.tangent * other, self.tag)

    def __neg__(self):
        return TaggedDual(-self.value, -self.tangent, self.tag)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __radd__(self, other):
        return TaggedDual(other + self.value, 0.0 * self.tangent, self.tag)
    __rmul__ = __mul__


def derivative_tagged(f, x):
    derivative_tagged.last_tag = tag = getattr(derivative_tagged, "last_tag", 0) + 1

    def coefficient(y):
        if not isinstance(y, TaggedDual):
            return 0.0
        if y.tag == tag:
            return y.tangent
        return TaggedDual(coefficient(y.value), coefficient(y.tangent), y.tag)

    return coefficient(f(TaggedDual(x, 1.0, tag)))
