"""The hidden tests of chapter 01_numerical (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import numerical as cases
from autograder.checking import compare


def test_forward_difference_hidden(forward_difference):
    """`forward_difference` against the reference on random functions, points and steps. Called without a step, it uses the exercise's default."""
    compare(forward_difference, "numerical.forward_difference", cases.derivative_cases(seed=101),
            policy="finite_difference")
    cases.check_default_step(forward_difference, "forward_difference", seed=1001)


def test_central_difference_hidden(central_difference):
    """`central_difference` against the reference on random functions, points and steps. Called without a step, it uses the exercise's default."""
    compare(central_difference, "numerical.central_difference", cases.derivative_cases(seed=102),
            policy="finite_difference")
    cases.check_default_step(central_difference, "central_difference", seed=1002)


def test_complex_step_hidden(complex_step):
    """`complex_step` against the reference, exactly, with steps from 1e-20 to 1e-3."""
    compare(complex_step, "numerical.complex_step", cases.derivative_cases(seed=103, steps=(1e-20, 1e-8, 1e-3)),
            policy="exact")


def test_richardson_hidden(richardson):
    """`richardson` against the reference, with the reference's `central_difference` in
    place of the student's (a mistake there costs points at `central_difference` only). Called without a step, it uses the exercise's default."""
    compare(richardson, "numerical.richardson", cases.derivative_cases(seed=104), policy="finite_difference",
            isolate=("central_difference",))
    cases.check_default_step(richardson, "richardson", seed=1004)


def test_step_errors_hidden(step_errors):
    """`step_errors` against the reference: error curves over lists and arrays of steps, of
    two methods that are not exercises."""
    compare(step_errors, "numerical.step_errors", cases.step_errors_cases(seed=105), policy="exact")


def test_numerical_gradient_hidden(numerical_gradient):
    """`numerical_gradient` against the reference on arrays of every shape, inputs left unchanged. Called without a step, it uses the exercise's default."""
    compare(numerical_gradient, "numerical.numerical_gradient", cases.gradient_cases(seed=106),
            policy="finite_difference")
    cases.check_default_step(numerical_gradient, "numerical_gradient", seed=1006)


def test_numerical_jacobian_hidden(numerical_jacobian):
    """`numerical_jacobian` against the reference on random vector functions and points. Called without a step, it uses the exercise's default."""
    compare(numerical_jacobian, "numerical.numerical_jacobian", cases.jacobian_cases(seed=107),
            policy="finite_difference")
    cases.check_default_step(numerical_jacobian, "numerical_jacobian", seed=1007)


def test_relative_error_hidden(relative_error):
    """`relative_error` against the reference on random arrays, zeros and floors."""
    compare(relative_error, "numerical.relative_error", cases.relative_error_cases(seed=108), policy="exact")


def test_gradient_check_hidden(gradient_check):
    """`gradient_check` against the reference on right and wrong analytic gradients, with the
    reference's `relative_error` and `numerical_gradient` in place of the student's."""
    compare(gradient_check, "numerical.gradient_check", cases.gradient_check_cases(seed=109),
            policy="finite_difference", isolate=("relative_error", "numerical_gradient"))


def test_directional_difference_hidden(directional_difference):
    """`directional_difference` against the reference along random directions, evaluating f
    twice. Called without a step, it uses the exercise's default."""
    compare(directional_difference, "numerical.directional_difference", cases.directional_cases(seed=110),
            policy="finite_difference", harness=cases.counted_evaluations)
    cases.check_default_step(directional_difference, "directional_difference", seed=1010)


def test_numerical_hessian_hidden(numerical_hessian):
    """`numerical_hessian` against the reference, at steps where formulas of different
    reach differ. Called without a step, it uses the exercise's default."""
    compare(numerical_hessian, "numerical.numerical_hessian", cases.hessian_cases(seed=111),
            policy="second_difference")
    cases.check_default_step(numerical_hessian, "numerical_hessian", seed=1011)
