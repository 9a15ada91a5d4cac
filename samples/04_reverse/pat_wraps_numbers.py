# Numbers on the left become nodes of their own, as micrograd does: Var(2.0) / y. Right, whatever their values.
# base: solution
# loses:
# %% Var: edit
- return Var(other - self.value, ((self, -1.0),))
+ return Var(other) - self  # the number as a node of its own: a leaf Var with no parents
@@
- return Var(other / self.value, ((self, -other / self.value ** 2),))
+ return Var(other) / self
