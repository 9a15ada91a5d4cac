"""A catalogue of test functions with known derivatives.

One catalogue serves the notebooks' plots, the hidden tests and the tests of the
reference implementations, so that every implementation is checked on the same
functions. Every scalar function here is built from NumPy ufuncs, so it works
elementwise on arrays and accepts complex input (the complex-step method needs it).

Its sections, one module each: `scalar` (numbers, gradients, Jacobians and difference
rules, chapter 01), `dual` (functions of dual numbers, chapter 03), `reverse`
(reverse-ready functions and graphs, chapter 04) and `tensor` (programs on Tensors,
chapter 06), `higher_order` (functions of the engines of chapter 08, with their
Hessians, and programs that count what a student's hvp or checkpointing does) and
`frameworks` (JAX losses and fixed-point maps with hand-written derivatives, and programs
that run a student's JAX answers in their kernel, chapter 09). Every name is importable from `adcourse.functions` itself.
"""
from __future__ import annotations

from .dual import DUAL_JACOBIAN, DUAL_SCALAR, NESTED, NESTED_PROGRAM, TABLE2, VECTOR_MODE_PROGRAM, components, d_cos, d_exp, d_log, d_sin, d_sqrt, d_tanh, stack
from .frameworks import (FIXED_POINT_PROGRAM, FIXED_POINTS, LOSSES, PER_EXAMPLE_PROGRAM,
                         SOFTPLUS_PROGRAM)
from .higher_order import CHECKPOINT_PROGRAM, HESSIAN_PROGRAM, HVP_PROGRAM, SECOND
from .reverse import (BACKWARD_PROGRAM, BINARY_PROGRAM, ELEMENTARY_PROGRAM, GRAPHS, OPERATION_PROGRAM, OPERATIONS, REVERSE, TABLE3,
                      TRAINING_PROGRAM, r_cos, r_exp, r_log, r_sin, r_tanh)
from .scalar import (DERIVATIVES, GRADIENT, GRADIENTS, JACOBIAN, RULES, SCALAR, Fn, FnOfArgs, backward_difference,
                     derivative_of, five_point, gradient_of)
from .tensor import (MAX_PATHS, TENSOR_BACKWARD, TENSOR_GRAPHS, TENSOR_OPERATION, TENSOR_OPERATIONS, TENSOR_PROGRAMS,
                     operate, pull_back)

#: Every function of the catalogue: what may cross to a student's kernel by name.
CATALOGUE = (SCALAR + GRADIENT + JACOBIAN + RULES + DERIVATIVES + GRADIENTS + DUAL_SCALAR + DUAL_JACOBIAN
             + REVERSE + (BACKWARD_PROGRAM, OPERATION_PROGRAM, ELEMENTARY_PROGRAM, BINARY_PROGRAM, VECTOR_MODE_PROGRAM, NESTED_PROGRAM) + NESTED
             + TENSOR_PROGRAMS + (TRAINING_PROGRAM,) + SECOND + (HVP_PROGRAM, HESSIAN_PROGRAM, CHECKPOINT_PROGRAM)
             + LOSSES + tuple(fn for triple in FIXED_POINTS for fn in triple)
             + (PER_EXAMPLE_PROGRAM, SOFTPLUS_PROGRAM, FIXED_POINT_PROGRAM))

__all__ = ["CATALOGUE", "by_name", "in_kernel", "BACKWARD_PROGRAM", "BINARY_PROGRAM", "CHECKPOINT_PROGRAM",
           "HESSIAN_PROGRAM", "HVP_PROGRAM", "SECOND", "DERIVATIVES", "DUAL_JACOBIAN", "DUAL_SCALAR",
           "ELEMENTARY_PROGRAM", "FIXED_POINTS", "FIXED_POINT_PROGRAM", "Fn", "FnOfArgs", "GRADIENT", "GRADIENTS", "GRAPHS", "JACOBIAN", "LOSSES", "MAX_PATHS", "NESTED", "NESTED_PROGRAM",
           "OPERATIONS", "OPERATION_PROGRAM", "PER_EXAMPLE_PROGRAM", "REVERSE", "RULES", "SCALAR", "SOFTPLUS_PROGRAM", "TABLE2", "TABLE3", "TENSOR_BACKWARD",
           "TENSOR_GRAPHS", "TENSOR_OPERATION", "TENSOR_OPERATIONS", "TENSOR_PROGRAMS", "TRAINING_PROGRAM", "VECTOR_MODE_PROGRAM",
           "backward_difference",
           "components", "d_cos", "d_exp", "d_log", "d_sin", "d_sqrt", "d_tanh", "derivative_of", "five_point",
           "gradient_of", "operate", "pull_back", "r_cos", "r_exp", "r_log", "r_sin", "r_tanh", "stack"]


def by_name(name: str) -> Fn:
    """The catalogue function called `name` (as shown in messages)."""
    for fn in CATALOGUE:
        if fn.name == name:
            return fn
    raise KeyError(f"no catalogue function named {name!r}")


def in_kernel(program: Fn, like):
    """The catalogue program `program`, to be called where `like` (a student's function
    or class) lives. In a notebook's own kernel that is here: `program` itself. When the
    grader holds `like` as a proxy of the student's kernel, the call runs `program` there,
    in one round trip (`autograder.sealed.in_kernel`); so a test cell can run a program
    that calls the student's function inside the functions it passes."""
    run = getattr(type(like), "_course_in_kernel", None)
    return program if run is None else run(like, program)
