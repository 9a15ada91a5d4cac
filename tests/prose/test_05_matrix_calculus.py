"""The numbers and claims that chapter 05's prose states, computed as its cells compute them.

Each test computes a figure with the chapter's own code (adcourse.matrix_calculus and the
reference answers) and asserts that the markdown of the instructor notebook states it.
Where a cell's output is what the prose describes, the cell's source itself is run with
other seeds, so that the claim holds beyond the one draw the notebook prints.
"""
from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest

from adcourse import matrix_calculus as explore
from autograder.reference import matrix_calculus as ref
from autograder.reference import numerical as numerical_ref

from .notebooks import code_cell as one_code_cell, flat as _flat, notebook

NOTEBOOK = notebook("05_matrix_calculus")


MARKDOWN = [_flat(c.source) for c in NOTEBOOK.cells if c.cell_type == "markdown"]
PROSE = "\n".join(MARKDOWN)


def says(*phrases: str) -> None:
    for phrase in phrases:
        assert _flat(phrase) in PROSE, f"the chapter's markdown does not state {phrase!r}"


def code_cell(marker: str) -> str:
    return one_code_cell(NOTEBOOK, marker)


def run_cell(marker: str, seed: int, **names) -> dict:
    """Run the code cell containing `marker` with a fresh rng of `seed`; its names."""
    namespace = {"np": np, "explore": explore, "rng": np.random.default_rng(seed),
                 "rel": explore.relative_difference, "along": explore.directional_difference,
                 "vec": explore.vec, **names}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code_cell(marker), marker, "exec"), namespace)
    return namespace


# --- Section 1: the rules, the trace facts, the worked example --------------------------

@pytest.mark.parametrize("seed", range(6))
def test_every_rule_agrees_with_central_differences_and_the_trace_facts_to_round_off(seed):
    rules = run_cell('"tr(A^T (B * C)) = tr((A * B)^T C)"', seed)["rules"]
    differentials = {k: v for k, v in rules.items() if k.startswith("d")}
    trace_facts = {k: v for k, v in rules.items() if k.startswith("tr")}
    assert len(differentials) == 8 and len(trace_facts) == 3
    assert all(v < 1e-9 for v in differentials.values()), differentials
    assert all(v < 1e-15 for v in trace_facts.values()), trace_facts
    says("round-off (below $10^{-15}$) for the trace facts",
         "the error of a central difference (below $10^{-9}$) for the differentials")


def test_the_rules_table_gives_the_hadamard_rules_that_the_network_uses():
    (table,) = [m for m in MARKDOWN if "| rule | differential | source |" in m]
    assert r"$d(X \odot Y) = (dX) \odot Y + X \odot (dY)$" in table
    assert r"$d\,\sigma(X) = \sigma'(X) \odot dX$" in table
    says(r"$\operatorname{tr}\big(A^\top (B \odot C)\big) = \operatorname{tr}\big((A \odot B)^\top C\big)$")
    # ... and the table comes before the hints that use it
    first_use = next(i for i, m in enumerate(MARKDOWN) if "Exercise `grad_mlp`" in m)
    assert MARKDOWN.index(table) < first_use


@pytest.mark.parametrize("seed", range(6))
def test_the_worked_example_passes_the_check_and_its_one_term_slip_fails_it(seed):
    rng = np.random.default_rng(seed)
    X, a, b = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3)
    f = lambda X: a @ X.T @ X @ b  # noqa: E731
    assert explore.directional_check(f, X @ (np.outer(b, a) + np.outer(a, b)), X, seed) < 1e-8
    assert explore.directional_check(f, X @ np.outer(a, b), X, seed) > 1e-3
    says(r"\nabla f = M^\top = X\,(b\, a^\top + a\, b^\top)", "Keeping only one of the two terms")


def test_no_exercise_prompt_holds_its_finished_formula():
    answers = {"grad_linear_form": "a b^\\top", "grad_quadratic_form": "(A + A^\\top) X",
               "grad_least_squares": "2A^\\top", "grad_logdet": "X^{-\\top}",
               "grad_softmax_cross_entropy": "(p - y)\\, x^\\top", "vjp_matmul": "G B^\\top",
               "jacobian_softmax": "\\operatorname{diag}(p) - p\\,p^\\top"}
    for name, answer in answers.items():
        (prompt,) = [m for m in MARKDOWN if f"**Exercise `{name}`.**" in m]
        assert _flat(answer) not in prompt, (name, answer)


# --- Section 5: softmax and cross-entropy, fused and unfused ----------------------------

@pytest.mark.parametrize("seed", range(6))
def test_the_vjp_of_softmax_on_minus_y_over_p_is_p_minus_y(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 8))
    z, y = 3 * rng.normal(size=k), rng.dirichlet(np.ones(k))
    p = explore.softmax(z)
    vjp = ref.jacobian_softmax(z).T @ (-y / p)
    assert np.allclose(vjp, p - y, atol=1e-12)
    assert np.allclose(ref.jacobian_softmax(z).T @ (-2 * y / p), 2 * p - 2 * y, atol=1e-12)
    assert np.allclose(explore.cross_entropy_fused(z, y)[1], p - y, atol=1e-14)
    # the gradient of the exercise is this vector times x^T
    x = rng.normal(size=3)
    assert np.allclose(ref.grad_softmax_cross_entropy(np.outer(z, x) / (x @ x), x, y), np.outer(p - y, x))
    says(r"\big(\operatorname{diag}(p) - p\,p^\top\big)\,(-y \oslash p) = -y + p\,(\mathbf{1}^\top y) = p - y",
         r"$(\sum_i y_i)\,p - y$")


def test_the_unfused_loss_is_inf_and_nan_where_the_fused_one_is_800():
    z, y = np.array([0.0, -800.0]), np.array([0.0, 1.0])
    loss, gradient = explore.cross_entropy_unfused(z, y)
    assert loss == np.inf and np.isnan(gradient).all()
    loss, gradient = explore.cross_entropy_fused(z, y)
    assert loss == 800.0 and np.array_equal(gradient, [1.0, -1.0])
    says("$z = (0, -800)$ and $y = (0, 1)$", "the unfused loss is `inf` and its gradient `nan`",
         "the fused loss is 800 and its gradient $(1, -1)$")
    assert "z, y = np.array([0.0, -800.0]), np.array([0.0, 1.0])" in code_cell("cross_entropy_fused")


def test_the_jacobian_of_softmax_for_50000_classes_takes_20_gb():
    k = 50_000
    assert round(k * k * 8 / 1e9) == 20
    says("For a vocabulary of 50 000 classes the Jacobian alone would take 20 GB.")
    assert "k = 50_000" in code_cell("cross_entropy_fused")


# --- Section 6: the Hessian of the logistic loss, Newton's method -----------------------

def test_the_data_are_200_examples_with_an_intercept_and_two_features():
    X, y = explore.logistic_data()
    assert X.shape == (200, 3) and np.all(X[:, 0] == 1) and set(np.unique(y)) == {0.0, 1.0}
    says("on 200 examples with an intercept and two features")


@pytest.mark.parametrize("seed", range(4))
def test_the_hessian_formula_agrees_with_central_differences_of_the_gradient(seed):
    X, y = explore.logistic_data(seed=seed)
    w = np.random.default_rng(seed).normal(size=3)
    p = explore.sigmoid(X @ w)
    H = X.T @ np.diag(p * (1 - p)) @ X / len(X)
    numerical = explore.jacobian_by_differences(lambda w: ref.grad_logistic_regression(w, X, y), w)
    assert explore.relative_difference(H, numerical) < 1e-8
    assert np.allclose(H, explore.logistic_hessian(w, X)) and np.all(np.linalg.eigvalsh(H) > 0)
    says(r"H = \frac{1}{N} X^\top \operatorname{diag}\big(p \odot (1 - p)\big) X")


def test_newton_needs_6_steps_and_gradient_descent_falls_by_0_860_per_step():
    X, y = explore.logistic_data()
    newton, descent, factor, w_star = explore.minimise_logistic(X, y, ref.grad_logistic_regression)
    assert len(descent) == 61
    assert int(np.argmax(newton < 1e-12)) == 6 and np.all(newton[6:] < 1e-12) and np.all(newton[7:] < 1e-15)
    assert f"{factor:.3f}" == "0.860" and f"{descent[-1] / descent[-2]:.3f}" == "0.860"
    assert 1e-6 < descent[-1] < 1e-5
    assert np.linalg.norm(ref.grad_logistic_regression(w_star, X, y)) < 1e-15
    says("Newton's gradient norm falls below $10^{-12}$ after 6 steps, and then stays at round-off",
         "falls by the predicted factor 0.860 per step, and is still above $10^{-6}$ after 60 steps")


def test_gradient_descents_step_bounds_the_hessian():
    X, y = explore.logistic_data()
    bound = 1 / explore.descent_rate(X)
    for w in np.random.default_rng(0).normal(size=(5, 3)) * 3:
        assert np.linalg.eigvalsh(explore.logistic_hessian(w, X))[-1] <= bound
    says(r"$L_{\max} = \lambda_{\max}(X^\top X)/(4N) \ge \lambda_{\max}(H)$")


# --- Sections 7 and 8: Kronecker products, VJPs, layouts --------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_the_kronecker_jacobians_and_their_transposes_are_the_vjps(seed):
    rng = np.random.default_rng(seed)
    m, n, p = rng.integers(1, 5, size=3)
    A, B, G = rng.normal(size=(m, n)), rng.normal(size=(n, p)), rng.normal(size=(m, p))
    X, Q = rng.normal(size=(n, p)), rng.normal(size=(p, 2))
    vec = explore.vec
    assert np.allclose(vec(A @ X @ Q), np.kron(Q.T, A) @ vec(X))
    J_A = explore.jacobian_by_differences(lambda A: A @ B, A)
    J_B = explore.jacobian_by_differences(lambda B: A @ B, B)
    assert np.allclose(J_A, np.kron(B.T, np.eye(m)), atol=1e-8)
    assert np.allclose(J_B, np.kron(np.eye(p), A), atol=1e-8)
    gA, gB = ref.vjp_matmul(A, B, G)
    assert np.allclose(np.kron(B, np.eye(m)) @ vec(G), vec(gA))
    assert np.allclose(np.kron(np.eye(p), A.T) @ vec(G), vec(gB))
    says(r"$$\operatorname{vec}(AXB) = (B^\top \otimes A)\operatorname{vec}(X)$$",
         r"$(B \otimes I_m)\operatorname{vec}(G) = \operatorname{vec}(G B^\top)$")


def test_the_jacobian_of_a_100_by_100_product_takes_1_6_gb_for_20000_numbers():
    size = 100
    entries = (size * size) * (size * size + size * size)
    assert entries == 2 * 10**8 and f"{entries * 8 / 1e9:.1f}" == "1.6" and 2 * size * size == 20_000
    says(r"for $m = n = p = 100$: $2 \cdot 10^8$ entries, 1.6 GB, to produce 20 000 numbers")
    assert "size = 100" in code_cell("np.kron(B.T, np.eye(m))")


def test_vec_is_column_major_and_the_jacobians_are_in_the_numerator_layout():
    M = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(explore.vec(M), [0, 3, 1, 4, 2, 5])
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    f = lambda x: A @ x  # noqa: E731
    assert explore.jacobian_by_differences(f, x).shape == (2, 3)
    assert numerical_ref.numerical_jacobian(f, x).shape == (2, 3)  # chapter 1
    says("the $(m, n)$ Jacobians of Chapters 1 and 3")


def test_the_cookbook_is_cited_only_by_the_numbers_of_its_table_and_the_notes_by_both_parts():
    cited = set(re.findall(r"\((\d{2,3})\)", PROSE))
    assert cited <= {e.strip("()") for e in ref.COOKBOOK}
    for url in ("https://zhuanlan.zhihu.com/p/24709748", "https://zhuanlan.zhihu.com/p/24863977"):
        assert url in PROSE
    says("矩阵求导术", "长躯鬼侠")


def test_grading_mechanics_stay_in_the_shared_section():
    teaching = [m for m in MARKDOWN if not m.startswith("## How your work is checked")]
    for word in ("hidden test", "autograder", "visible test"):
        assert not any(word in m.lower() for m in teaching), word


def test_the_chapter_ends_with_pytorch_and_jax_before_its_summary():
    assert MARKDOWN[-2].startswith("## In PyTorch and JAX") and MARKDOWN[-1].startswith("## Summary")
    for api in ("jax.vjp", "torch.func.vjp", "jax.hessian", "torch.func.hessian",
                "torch.nn.functional.cross_entropy", "Tensor.sum_to_size"):
        assert f"`{api}`" in MARKDOWN[-2], api


def test_the_explorers_question_on_symmetric_x():
    """A symmetric X makes log|det X|'s gradient equal its transpose, but not those of
    tr(X^-1 A) and tr(X^T A X) with the explorer's non-symmetric A."""
    A2 = np.array([[1.0, 2.0], [-1.0, 0.5]])
    X = np.array([[1.2, 0.7], [0.7, 0.9]])
    assert np.allclose(ref.grad_logdet(X), ref.grad_logdet(X).T)
    for G in (ref.grad_trace_inverse(X, A2), ref.grad_quadratic_form(X, A2)):
        assert not np.allclose(G, G.T), G
    says("the transposed gradient becomes right when $X$ is symmetric",
         "a symmetric $X$ is not enough")
