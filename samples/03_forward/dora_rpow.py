# number ** Dual without the factor log(number): c ** (b + b'd) = c**b + c**b log(c) b' d.
# base: solution
# loses: Dual
# %% Dual: edit
- return Dual(power, power * np.log(other) * self.tangent)
+ return Dual(power, power * self.tangent)
