"""The hidden tests of chapter 03_forward (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import forward as cases
from autograder.checking import compare


def test_Dual_hidden(Dual):
    """`Dual` against the reference: every operation, with Duals or numbers on either side,
    arrays and nested Duals."""
    compare(Dual, "forward.Dual", cases.dual_cases(seed=301), policy="exact", harness=cases.dual_program)


def test_elementary_functions_hidden(sin, cos, exp, log, sqrt, tanh, Dual):
    """Each of `sin, cos, exp, log, sqrt, tanh` against the reference on floats, arrays and
    the student's `Dual`s."""
    for name, function in [("sin", sin), ("cos", cos), ("exp", exp), ("log", log), ("sqrt", sqrt), ("tanh", tanh)]:
        compare(function, f"forward.{name}", cases.elementary_cases(name, seed=302), policy="exact",
                harness=cases.on_dual(Dual), name=name)


def test_derivative_hidden(derivative):
    """`derivative` against the reference on the catalogue's scalar functions."""
    compare(derivative, "forward.derivative", cases.derivative_cases(seed=303), policy="exact")


def test_jvp_hidden(jvp):
    """`jvp` against the reference: the value and J(x) v at random points and directions."""
    compare(jvp, "forward.jvp", cases.jvp_cases(seed=304), policy="exact")


def test_jacobian_forward_hidden(jacobian_forward):
    """`jacobian_forward` against the reference on the catalogue's vector functions."""
    compare(jacobian_forward, "forward.jacobian_forward", cases.jacobian_cases(seed=305), policy="exact")


def test_second_derivative_hidden(second_derivative):
    """`second_derivative` against the reference on the catalogue's scalar functions."""
    compare(second_derivative, "forward.second_derivative", cases.second_derivative_cases(seed=306), policy="exact")


def test_jacobian_vector_mode_hidden(jacobian_vector_mode):
    """`jacobian_vector_mode` against the reference on every dual-ready function R^n -> R^m,
    in one forward pass."""
    compare(jacobian_vector_mode, "forward.jacobian_vector_mode", cases.jacobian_cases(seed=307),
            policy="exact", harness=cases.vector_mode)


def test_tagged_derivative_hidden(derivative_tagged):
    """`derivative_tagged` against the reference on the catalogue's programs of nested
    derivatives (run in the student's kernel, every nested call a call of theirs), and on
    plain polynomials and constants."""
    compare(derivative_tagged, "forward.derivative_tagged", cases.tagged_cases(seed=308), policy="exact",
            harness=cases.nested)
