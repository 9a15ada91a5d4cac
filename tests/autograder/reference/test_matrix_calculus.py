"""The reference answers of chapter 05, tested without any notebook.

Three independent checks, as in autograd's test_util: the Matrix Cookbook identities
(each one against central differences), central differences of every exercise's
function along random directions, and the adjoint identity <V, J U> = <J^T V, U> for
the linear maps (the Jacobian of softmax, the product, broadcasting). Hypothesis adds
properties over bounded random inputs. The notebook cites only identities of the table.
"""
from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adcourse.tolerance import policy
from autograder.cases import matrix_calculus as cases
from autograder.reference import matrix_calculus as ref

from ...conftest import ROOT

FD = policy("finite_difference")
EXACT = policy("exact")
H = 1e-6


def _well_conditioned(rng, shape):
    if len(shape) == 2 and shape[0] == shape[1]:
        return cases._invertible(rng, shape[0])
    return rng.normal(size=shape)


@pytest.mark.parametrize("equation", ref.COOKBOOK)
def test_each_cookbook_identity_agrees_with_central_differences(equation):
    _, (variable_shapes, constant_shapes), f, df = ref.COOKBOOK[equation]
    rng = np.random.default_rng(len(equation) + int(equation.strip("()")))
    for _ in range(3):
        variables = [_well_conditioned(rng, s) for s in variable_shapes]
        constants = [rng.normal(size=s) for s in constant_shapes]
        directions = [rng.normal(size=s) for s in variable_shapes]
        plus = f(*[v + H * d for v, d in zip(variables, directions)], *constants)
        minus = f(*[v - H * d for v, d in zip(variables, directions)], *constants)
        central = (np.asarray(plus) - np.asarray(minus)) / (2 * H)
        assert FD.close(df(variables + constants, directions), central).all(), equation


def test_the_notebook_cites_only_identities_of_the_table_and_all_of_them():
    nb = nbformat.read(ROOT / "solutions" / "05_matrix_calculus" / "matrix_calculus.ipynb", 4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    cited = set(re.findall(r"\((\d{2,3})\)", text))  # every equation number, in prose or tables
    table = {line.split("|")[1].strip() for line in text.splitlines() if re.match(r"\| \(\d+\)", line)}
    numbers = {n for entry in table for n in re.findall(r"\d+", entry)}
    assert cited and cited <= {e.strip("()") for e in ref.COOKBOOK}
    assert numbers == {e.strip("()") for e in ref.COOKBOOK}


#: The gradient exercises with a closed form from the table: (exercise, equation,
#: a function of the exercise's arguments giving the table's variables and constants).
CLOSED_FORMS = [
    ("grad_linear_form", "(70)", lambda a, X, b: ([X], [a, b])),
    ("grad_quadratic_form", "(108)", lambda X, A: ([X], [A])),
    ("grad_logdet", "(57)", lambda X: ([X], [])),
    ("grad_trace_inverse", "(124)", lambda X, A: ([X], [np.eye(len(X)), A])),
]


@pytest.mark.parametrize("name, equation, arguments", CLOSED_FORMS, ids=lambda v: v if isinstance(v, str) else "")
def test_gradients_match_the_cookbook(name, equation, arguments):
    make = {"grad_linear_form": cases.linear_form_cases, "grad_quadratic_form": cases.quadratic_form_cases,
            "grad_logdet": cases.logdet_cases, "grad_trace_inverse": cases.trace_inverse_cases}[name]
    df = ref.COOKBOOK[equation][3]
    rng = np.random.default_rng(3)
    for case in make(3):
        variables, constants = arguments(*case.args)
        G = getattr(ref, name)(*case.args)
        assert G.shape == variables[0].shape
        V = rng.normal(size=G.shape)
        assert EXACT.close(np.sum(G * V), df(variables + constants, [V]))


GRADIENTS = ["grad_linear_form", "grad_quadratic_form", "grad_least_squares", "grad_logdet",
             "grad_trace_inverse", "grad_softmax_cross_entropy", "grad_logistic_regression",
             "vjp_matmul", "unbroadcast", "grad_mlp", "jacobian_softmax"]
MAKERS = {"grad_linear_form": cases.linear_form_cases, "grad_quadratic_form": cases.quadratic_form_cases,
          "grad_least_squares": cases.least_squares_cases, "grad_logdet": cases.logdet_cases,
          "grad_trace_inverse": cases.trace_inverse_cases,
          "grad_softmax_cross_entropy": cases.softmax_cross_entropy_cases,
          "grad_logistic_regression": cases.logistic_regression_cases, "vjp_matmul": cases.vjp_matmul_cases,
          "unbroadcast": cases.unbroadcast_cases, "grad_mlp": cases.mlp_cases,
          "jacobian_softmax": cases.jacobian_softmax_cases}


@pytest.mark.parametrize("name", GRADIENTS)
def test_directional_derivatives_agree_with_central_differences(name):
    harness = cases.along_directions(name)
    answer = getattr(ref, name)
    for case in MAKERS[name](11):
        central = harness(answer, *case.args)  # the reference's place: central differences
        mine = harness(lambda *a: answer(*a), *case.args)  # the same function, as an answer
        assert FD.close(mine, central).all(), case.show(name)


def test_the_jacobian_of_softmax_and_its_transpose_are_adjoint():
    rng = np.random.default_rng(4)
    for n in (1, 3, 6):
        z, u, v = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
        softmax = lambda t: np.exp(t - t.max()) / np.exp(t - t.max()).sum()  # noqa: E731
        jvp = (softmax(z + H * u) - softmax(z - H * u)) / (2 * H)  # J u, without the reference
        assert FD.close(v @ jvp, (ref.jacobian_softmax(z).T @ v) @ u)


def test_vjp_matmul_is_the_adjoint_of_the_product_rule():
    rng = np.random.default_rng(5)
    for m, n, p in ((2, 3, 4), (1, 1, 1), (5, 2, 3)):
        A, B, G = rng.normal(size=(m, n)), rng.normal(size=(n, p)), rng.normal(size=(m, p))
        dA, dB = rng.normal(size=A.shape), rng.normal(size=B.shape)
        jvp = ref.COOKBOOK["(37)"][3]([A, B], [dA, dB])  # dC = dA B + A dB
        gA, gB = ref.vjp_matmul(A, B, G)
        assert gA.shape == A.shape and gB.shape == B.shape
        assert EXACT.close(np.sum(G * jvp), np.sum(gA * dA) + np.sum(gB * dB))


shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


@given(shapes=shapes, data=st.data())
def test_unbroadcast_is_the_adjoint_of_broadcast_to(shapes, data):
    small, other = shapes.input_shapes
    elements = st.floats(min_value=-10, max_value=10)
    G = data.draw(hnp.arrays(float, shapes.result_shape, elements=elements))
    x = data.draw(hnp.arrays(float, small, elements=elements))
    before = G.copy()
    back = ref.unbroadcast(G, small)
    assert back.shape == small and np.array_equal(G, before)
    assert np.isclose(np.sum(back * x), np.sum(G * np.broadcast_to(x, G.shape)), rtol=1e-10, atol=1e-9)


@given(z=hnp.arrays(float, st.integers(1, 6), elements=st.floats(min_value=-50, max_value=50)))
def test_the_jacobian_of_softmax_is_symmetric_and_kills_constants(z):
    J = ref.jacobian_softmax(z)
    assert np.allclose(J, J.T) and np.allclose(J @ np.ones(len(z)), 0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(J) > -1e-12)  # positive semi-definite


@given(scale=st.floats(min_value=0.1, max_value=10), seed=st.integers(0, 1000), n=st.integers(1, 5))
def test_the_logdet_gradient_is_homogeneous_of_degree_minus_one(scale, seed, n):
    X = cases._invertible(np.random.default_rng(seed), n)
    assert np.allclose(ref.grad_logdet(scale * X), ref.grad_logdet(X) / scale, rtol=1e-9)


@given(seed=st.integers(0, 1000), n=st.integers(1, 8), d=st.integers(1, 4))
def test_logistic_gradient_is_the_least_squares_form_of_its_residual(seed, n, d):
    rng = np.random.default_rng(seed)
    w, X, y = rng.normal(size=d), rng.normal(size=(n, d)), rng.integers(0, 2, n)
    probability = 1 / (1 + np.exp(-(X @ w)))  # the classic form: X^T (sigmoid(X w) - y) / N
    assert np.allclose(ref.grad_logistic_regression(w, X, y), X.T @ (probability - y) / n, atol=1e-12)


def test_no_reference_modifies_its_inputs():
    for name, make in MAKERS.items():
        for case in make(2):
            args, _ = case.fresh()
            getattr(ref, name)(*args)
            for before, after in zip(case.args, args):
                if isinstance(before, np.ndarray):
                    assert np.array_equal(before, after), name
                elif isinstance(before, dict):
                    assert all(np.array_equal(before[k], after[k]) for k in before), name
