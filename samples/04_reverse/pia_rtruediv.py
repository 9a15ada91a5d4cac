# The quotient rule on the reflected side has the wrong sign: d(c / v)/dv taken as +c / v**2.
# base: solution
# loses: Var
# %% Var: edit
- return Var(other / self.value, ((self, -other / self.value ** 2),))
+ return Var(other / self.value, ((self, other / self.value ** 2),))
