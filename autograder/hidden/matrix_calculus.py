"""The hidden tests of chapter 05_matrix_calculus (see `autograder.hidden`).

Each exercise is checked twice: against the reference on random inputs of several
shapes, then, with no reference at all, <answer, V> against central differences of the
function along random directions V (`cases.along_directions`).
"""
from __future__ import annotations

from autograder.cases import matrix_calculus as cases
from autograder.checking import compare


def _against_reference_and_directions(student, exercise: str, make_cases, seeds: tuple[int, int],
                                      harness=None, **options) -> None:
    """`student` against the reference on make_cases(seed=seeds[0]) (through `harness`,
    when given), then along random directions on make_cases(seed=seeds[1]); `options`
    (`isolate`) apply to both."""
    compare(student, f"matrix_calculus.{exercise}", make_cases(seed=seeds[0]), policy="exact",
            harness=harness, **options)
    compare(student, f"matrix_calculus.{exercise}", make_cases(seed=seeds[1]), policy="finite_difference",
            harness=cases.along_directions(exercise), **options)


def test_grad_linear_form_hidden(grad_linear_form):
    """The gradient of a^T X b, against the reference and along random directions."""
    _against_reference_and_directions(grad_linear_form, "grad_linear_form", cases.linear_form_cases, (501, 511))


def test_grad_quadratic_form_hidden(grad_quadratic_form):
    """The gradient of tr(X^T A X), against the reference and along random directions."""
    _against_reference_and_directions(grad_quadratic_form, "grad_quadratic_form", cases.quadratic_form_cases,
                                      (502, 512))


def test_grad_least_squares_hidden(grad_least_squares):
    """The gradient of norm(A x - b)^2, against the reference and along random directions."""
    _against_reference_and_directions(grad_least_squares, "grad_least_squares", cases.least_squares_cases,
                                      (503, 513))


def test_grad_logdet_hidden(grad_logdet):
    """The gradient of log abs det X, against the reference and along random directions."""
    _against_reference_and_directions(grad_logdet, "grad_logdet", cases.logdet_cases, (504, 514))


def test_grad_trace_inverse_hidden(grad_trace_inverse):
    """The gradient of tr(X^-1 A), against the reference and along random directions."""
    _against_reference_and_directions(grad_trace_inverse, "grad_trace_inverse", cases.trace_inverse_cases,
                                      (505, 515))


def test_jacobian_softmax_hidden(jacobian_softmax):
    """The Jacobian of softmax, against the reference and along random directions."""
    _against_reference_and_directions(jacobian_softmax, "jacobian_softmax", cases.jacobian_softmax_cases,
                                      (506, 516))


def test_grad_softmax_cross_entropy_hidden(grad_softmax_cross_entropy):
    """The gradient of -y^T log softmax(W x) (y one-hot or a distribution), against the
    reference and along random directions."""
    _against_reference_and_directions(grad_softmax_cross_entropy, "grad_softmax_cross_entropy",
                                      cases.softmax_cross_entropy_cases, (507, 517))


def test_grad_logistic_regression_hidden(grad_logistic_regression):
    """The gradient of the mean logistic loss, against the reference and along random directions."""
    _against_reference_and_directions(grad_logistic_regression, "grad_logistic_regression",
                                      cases.logistic_regression_cases, (508, 518))


def test_vjp_matmul_hidden(vjp_matmul):
    """The pair (dL/dA, dL/dB) of a product, each part against the reference's, and along
    random directions."""
    _against_reference_and_directions(vjp_matmul, "vjp_matmul", cases.vjp_matmul_cases, (509, 519),
                                      harness=cases.flattened("vjp_matmul"))


def test_unbroadcast_hidden(unbroadcast):
    """`unbroadcast` on added and stretched axes, against the reference and along random directions."""
    _against_reference_and_directions(unbroadcast, "unbroadcast", cases.unbroadcast_cases, (510, 520))


def test_grad_mlp_hidden(grad_mlp):
    """The gradients of the two-layer network's loss, each parameter's against the
    reference's, and along random directions, with the reference's `vjp_matmul` and
    `unbroadcast` in place of the student's."""
    _against_reference_and_directions(grad_mlp, "grad_mlp", cases.mlp_cases, (520, 530),
                                      harness=cases.flattened("grad_mlp"), isolate=("vjp_matmul", "unbroadcast"))
