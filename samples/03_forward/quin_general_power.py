# A number exponent taken as a Dual with tangent 0: the general rule's log of a negative
# base is nan, and 0 * nan is nan, so (-1.5)**2 has no derivative. derivative, jvp,
# jacobian_forward, jacobian_vector_mode and second_derivative use this Dual, and lose their
# negative inputs too.
# base: solution
# loses: Dual, derivative, jvp, jacobian_forward, jacobian_vector_mode, second_derivative
# %% Dual: edit
- return Dual(self.value ** other, other * self.value ** (other - 1) * self.tangent)
+ return self ** Dual(other, 0.0)
