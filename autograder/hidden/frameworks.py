"""The hidden tests of chapter 09_frameworks (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import frameworks as cases
from autograder.checking import compare

#: The implicit derivatives are derived, not traced: no framework runs while they do.
FRAMEWORKS = ("jax", "torch")


def test_per_example_grads_hidden(per_example_grads):
    """`per_example_grads` against the reference on the losses of LOSSES, the loss traced
    once (vmap, not a loop over the rows); at most 30 s per call."""
    compare(per_example_grads, "frameworks.per_example_grads", cases.per_example_cases(seed=901), policy="exact",
            harness=cases.per_example, seconds=30)


def test_stable_softplus_hidden(stable_softplus):
    """`stable_softplus` from -1.7e308 to 1.7e308: its values, and its derivative by grad, a
    vjp, the chain rule, vmap and jit (point by point where a function cannot be batched),
    all finite and right to 1e-10 relative at every magnitude, from a custom rule; at most 60 s (one call evaluates it at every
    point)."""
    compare(stable_softplus, "frameworks.stable_softplus", cases.softplus_cases(seed=902), policy="relative",
            harness=cases.softplus_checked, seconds=60)


def test_solve_vjp_hidden(solve_vjp):
    """`solve_vjp` against the reference on random well-conditioned systems, without JAX
    or PyTorch."""
    compare(solve_vjp, "frameworks.solve_vjp", cases.solve_cases(seed=903), policy="exact", harness=cases.solved,
            forbid=FRAMEWORKS, seconds=20)


def test_fixed_point_grad_hidden(fixed_point_grad):
    """`fixed_point_grad` against the reference on the maps of FIXED_POINTS, T and its
    Jacobians called at most twice each (no unrolling), without JAX or PyTorch."""
    compare(fixed_point_grad, "frameworks.fixed_point_grad", cases.fixed_point_cases(seed=904), policy="exact",
            harness=cases.fixed_points, forbid=FRAMEWORKS, seconds=20)


def test_lasso_solution_jacobian_hidden(lasso_solution_jacobian):
    """`lasso_solution_jacobian` against the reference on lasso problems solved exactly,
    without JAX or PyTorch."""
    compare(lasso_solution_jacobian, "frameworks.lasso_solution_jacobian", cases.lasso_jacobian_cases(seed=905),
            policy="exact", forbid=FRAMEWORKS, seconds=20)
