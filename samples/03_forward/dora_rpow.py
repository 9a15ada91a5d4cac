# number ** Dual without the factor log(number): c ** (b + b'd) = c**b + c**b log(c) b' d.
# base: solution
# loses: Dual
# %% Dual
class Dual:
    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = value, tangent

    def __add__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.tangent + other.tangent)
        return Dual(self.value + other, self.tangent)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value * other.value, self.tangent * other.value + self.value * other.tangent)
        return Dual(self.value * other, self.tangent * other)

    def __truediv__(self, other):
        if isinstance(other, Dual):
            return self * other.reciprocal()
        return Dual(self.value / other, self.tangent / other)

    def __rtruediv__(self, other):
        return self.reciprocal() * other

    def reciprocal(self):
        return Dual(1 / self.value, -self.tangent / (self.value * self.value))

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __pow__(self, other):
        if isinstance(other, Dual):
            power = self.value ** other.value
            return Dual(power, power * (other.tangent * np.log(self.value) + other.value * self.tangent / self.value))
        return Dual(self.value ** other, other * self.value ** (other - 1) * self.tangent)

    def __rpow__(self, other):
        power = other ** self.value
        return Dual(power, power * self.tangent)

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

    __array_ufunc__ = None
