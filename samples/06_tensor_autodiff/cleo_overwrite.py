# backward sets a parent's gradient to the last contribution instead of adding them.
# base: solution
# loses: backward, train_mlp
# %% backward: edit
              contribution = vjp(g)
-             if parent not in grads:
-                 grads[parent] = contribution
-             elif parent in owned:
-                 grads[parent] += contribution
-             else:
-                 grads[parent] = grads[parent] + contribution
-                 owned.add(parent)
+             grads[parent] = contribution
