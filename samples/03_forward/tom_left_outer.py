# When two tags meet, the left operand is the outer dual number whatever the tags.
# base: solution
# loses: tagged_derivative
# %% tagged_derivative: edit
- if isinstance(other, TaggedDual) and other.tag > self.tag:
- return other + self  # other is the outer dual number
@@
- if isinstance(other, TaggedDual) and other.tag > self.tag:
- return other * self
