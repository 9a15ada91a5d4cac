# backward never resets the gradients: right once, wrong when called a second time.
# base: solution
# loses: backward
# %% backward: edit
- for node in order:
-     node.grad = 0.0
  output.grad = 1.0
