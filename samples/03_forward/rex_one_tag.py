# Every call of derivative_tagged uses the same tag, so nested calls cannot tell their
# perturbations apart.
# base: solution
# loses: tagged_derivative
# %% tagged_derivative: edit
- derivative_tagged.last_tag = tag = getattr(derivative_tagged, "last_tag", 0) + 1
+ tag = 1
