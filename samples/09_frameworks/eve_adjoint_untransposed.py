# The adjoint solve with A where A^T belongs.
# base: solution
# loses: solve_vjp
# %% solve_vjp: edit
-     u = np.linalg.solve(A.T, g)
+     u = np.linalg.solve(A, g)
