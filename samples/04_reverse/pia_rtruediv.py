# The quotient rule on the reflected side has the wrong sign: d(c / v)/dv taken as +c / v**2.
# base: solution
# loses: Var
# %% Var
class Var:
    def __init__(self, value, parents=()):
        self.value = value
        self.parents = tuple(parents)
        self.grad = 0.0

    def __add__(self, other):
        if isinstance(other, Var):
            return Var(self.value + other.value, ((self, 1.0), (other, 1.0)))
        return Var(self.value + other, ((self, 1.0),))

    def __mul__(self, other):
        if isinstance(other, Var):
            return Var(self.value * other.value, ((self, other.value), (other, self.value)))
        return Var(self.value * other, ((self, float(other)),))

    def __neg__(self):
        return Var(-self.value, ((self, -1.0),))

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __pow__(self, other):
        if isinstance(other, Var):
            power = self.value ** other.value
            return Var(power, ((self, other.value * self.value ** (other.value - 1)),
                               (other, power * np.log(self.value))))
        return Var(self.value ** other, ((self, other * self.value ** (other - 1)),))

    def __rpow__(self, other):
        power = other ** self.value
        return Var(power, ((self, power * np.log(other)),))

    def __truediv__(self, other):
        if isinstance(other, Var):
            return Var(self.value / other.value,
                       ((self, 1.0 / other.value), (other, -self.value / other.value ** 2)))
        return Var(self.value / other, ((self, 1.0 / other),))

    def __rtruediv__(self, other):
        return Var(other / self.value, ((self, other / self.value ** 2),))

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        backward(self)
