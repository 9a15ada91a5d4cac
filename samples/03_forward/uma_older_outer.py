# When two tags meet, the older one is made the outer dual number: the rule reversed.
# base: solution
# loses: tagged_derivative
# %% tagged_derivative: edit
- if isinstance(other, TaggedDual) and other.tag > self.tag:
+ if isinstance(other, TaggedDual) and other.tag < self.tag:
      return other + self  # other is the outer dual number
@@
- if isinstance(other, TaggedDual) and other.tag > self.tag:
+ if isinstance(other, TaggedDual) and other.tag < self.tag:
      return other * self
