# derivative_tagged reads the tangent of f's result whatever its tag.
# base: solution
# loses: tagged_derivative
# %% tagged_derivative: edit
- if y.tag == tag:
+ if isinstance(y, TaggedDual):
