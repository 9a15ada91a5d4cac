# max routes the gradient to the larger operand, but a tie sends all of it to the first
# one: the exercise splits it, 1/2 each, as torch.maximum and jnp.maximum do.
# base: solution
# loses: maximum
# %% maximum: edit
- share = 0.5 if a_value == b_value else 1.0
- parents = []
- if isinstance(a, Var):
-     parents.append((a, share if a_value >= b_value else 0.0))
- if isinstance(b, Var):
-     parents.append((b, share if b_value >= a_value else 0.0))
+ parents = []
+ if isinstance(a, Var):
+     parents.append((a, 1.0 if a_value >= b_value else 0.0))
+ if isinstance(b, Var):
+     parents.append((b, 1.0 if b_value > a_value else 0.0))
