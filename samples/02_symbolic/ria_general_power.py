# Every power through the general rule u**v (v' log u + v u'/u), number exponents included:
# 0 * log(u) is nan at a negative base, where (u**c)' = c u**(c-1) u' is defined.
# base: solution
# loses: diff
# %% diff: edit
- if isinstance(expr, Pow) and isinstance(v, Const):
-     return v.value * u ** (v.value - 1) * du
  if isinstance(expr, Pow):
