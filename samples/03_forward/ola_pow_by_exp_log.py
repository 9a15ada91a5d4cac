# Dual ** Dual as exp(w log u), with the exp and log of the next exercise: right once the notebook has run.
# base: solution
# loses:
# %% Dual: edit
  if isinstance(other, Dual):  # u**w = exp(w log u): (u**w)' = u**w (w' log u + w u' / u)
-     def log_of(v):  # log of a number, an array or a Dual (u may be a Dual of Duals)
-         return Dual(log_of(v.value), v.tangent / v.value) if isinstance(v, Dual) else np.log(v)
-
-     power = self.value ** other.value
-     return Dual(power, power * (other.tangent * log_of(self.value)
-                                 + other.value * self.tangent / self.value))
+     return exp(other * log(self))  # exp and log: the next exercise's, defined after this cell
