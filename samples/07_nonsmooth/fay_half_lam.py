# The subgradient of the L1 term weighted lam / 2 (a 1/2 copied from the smooth part): it
# converges about as well, to the wrong problem, which the fixed recursion shows.
# base: solution
# loses: subgradient_method
# %% subgradient_method: edit
- g = A.T @ (A @ x - b) + lam * subgradient_abs(x)
+ g = A.T @ (A @ x - b) + 0.5 * lam * subgradient_abs(x)
