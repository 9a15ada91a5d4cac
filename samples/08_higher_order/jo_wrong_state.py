# Checkpointing done right except that each VJP is taken at the step's output x_(k+1).
# base: solution
# loses: checkpointed_grad
# %% checkpointed_grad: edit
-         g = dstep(segment.pop(), g)
+         g = dstep(step(segment.pop()), g)
