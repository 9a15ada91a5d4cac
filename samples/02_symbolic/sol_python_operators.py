# compile_expr with Python's / and ** on floats: x / 0 raises ZeroDivisionError where evaluate
# gives inf, and (-8) ** (1/3) is a complex number where evaluate gives nan.
# base: solution
# loses: compile_expr
# %% compile_expr: edit
- if isinstance(e, (Div, Pow)):
-     return f"np.{'divide' if isinstance(e, Div) else 'power'}({source(e.left)}, {source(e.right)})"
+ if isinstance(e, (Div, Pow)):
+     return f"({source(e.left)} {e.op} {source(e.right)})"
