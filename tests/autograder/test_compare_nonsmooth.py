"""Chapter 07: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake)."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from adcourse.nonsmooth import lasso_objective
from autograder.cases import salted
from autograder.checking import CheckFailure
from autograder.hidden import nonsmooth as hidden
from autograder.reference import nonsmooth as ref
from autograder.samples import parse_sample

from ..conftest import ROOT


def alternative() -> dict:
    """The sample class's right answers written differently: 0.5 at the kink, Moreau's
    identity, ISTA with 1/L from eigenvalues and every iterate kept, FISTA with its t's computed first, steps counted from 1."""
    namespace = {"np": np, "lasso_objective": lasso_objective}
    for source in parse_sample(ROOT / "samples" / "07_nonsmooth" / "kai_alternative.py").answers.values():
        exec(source, namespace)
    return namespace


@pytest.mark.parametrize("salt", [None, "another student"])
@pytest.mark.parametrize("name", ["subgradient_abs", "soft_threshold", "ista", "fista", "subgradient_method"])
def test_right_answers_written_differently_pass(name, salt):
    """On the hidden tests' inputs, and on those another student is given."""
    test, answers = getattr(hidden, f"test_{name}_hidden"), alternative()
    with salted(salt):
        assert test(*(answers[p] for p in inspect.signature(test).parameters)) is None


def test_nan_at_the_kink_is_explained():
    def ratio(x):
        with np.errstate(invalid="ignore"):
            return np.asarray(x, dtype=float) / np.abs(x)
    with pytest.raises(CheckFailure, match=r"x / abs\(x\) is 0/0 = nan there"):
        hidden.test_subgradient_abs_hidden(ratio)


def test_any_value_in_minus_one_one_at_zero_passes_and_outside_fails():
    hidden.test_subgradient_abs_hidden(lambda x: np.where(np.asarray(x) == 0, -1.0, np.sign(x)))
    with pytest.raises(CheckFailure, match="any value in"):
        hidden.test_subgradient_abs_hidden(lambda x: np.where(np.asarray(x) == 0, 1.5, np.sign(x)))


def test_a_solver_that_modifies_a_is_told_so():
    def ista(A, b, lam, steps=500, step=None):
        A *= 1.0 + 1e-3
        return ref.ista(A, b, lam, steps, step)
    with pytest.raises(CheckFailure, match="modified its argument A in place"):
        hidden.test_ista_hidden(ista)


@pytest.mark.parametrize("wrong, words", [
    (lambda A, b, lam, steps=500, step=None: ref.ista(A, b, lam, steps, step)[0], "expected a pair (x, objectives)"),
    (lambda A, b, lam, steps=500, step=None: (lambda x, o: (x, o[1:]))(*ref.ista(A, b, lam, steps, step)),
     "F(x_0) at the start x_0 = 0, then F(x_k) after each of the"),
    (lambda A, b, lam, steps=500, step=None: (lambda x, o: (x[:-1], o))(*ref.ista(A, b, lam, steps, step)),
     "one coefficient per column of A"),
    (lambda A, b, lam, steps=500, step=None: (lambda x, o: (1.01 * x, o))(*ref.ista(A, b, lam, steps, step)),
     "the last objective is that of the returned x"),
    (lambda A, b, lam, steps=500, step=None: (lambda x, o: (x, o + 1.0))(*ref.ista(A, b, lam, steps, step)),
     "start at x_0 = 0 and record its objective first"),
    (lambda A, b, lam, steps=500, step=None: ref.ista(A, b, lam, min(steps, 10), step), "expected ("),
], ids=["x only", "no start", "short x", "x changed", "objectives shifted", "too few steps"])
def test_malformed_answers_are_explained(wrong, words):
    with pytest.raises(CheckFailure) as failure:
        hidden.test_ista_hidden(wrong)
    assert words in str(failure.value)


def test_too_few_steps_fail_the_optimality_conditions():
    def lazy(A, b, lam, steps=500, step=None):
        x, objectives = ref.ista(A, b, lam, 20, step)
        return x, np.concatenate([objectives, np.full(steps - 20, objectives[-1])])
    with pytest.raises(CheckFailure, match="x is not a minimiser: the optimality condition fails"):
        hidden.test_ista_hidden(lazy)


def test_a_non_monotone_ista_is_told_it_must_descend():
    def bumpy(A, b, lam, steps=500, step=None):
        x, objectives = ref.ista(A, b, lam, steps, step)
        objectives[3] = objectives[2] * 1.01
        return x, objectives
    with pytest.raises(CheckFailure, match="the objective increased at step 3"):
        hidden.test_ista_hidden(bumpy)


def test_ista_passed_off_as_fista_is_too_slow():
    with pytest.raises(CheckFailure, match="likely mistake: the gradient step is taken at x_k instead of the "
                                           "extrapolated point y_k: that is ISTA, with no acceleration"):
        hidden.test_fista_hidden(ref.ista)


def test_fista_returning_the_extrapolated_point_is_told_which_x_to_return():
    def fista_y(A, b, lam, steps=500, step=None):
        x, objectives = ref.fista(A, b, lam, steps, step)
        x_before = ref.fista(A, b, lam, steps - 1, step)[0]
        return x + 0.5 * (x - x_before), objectives
    with pytest.raises(CheckFailure, match="the last objective is that of the returned x"):
        hidden.test_fista_hidden(fista_y)


def test_the_subgradient_method_may_choose_any_subgradient_at_zero():
    def choosy(A, b, lam, steps=500, step0=1e-2):
        x = np.zeros(A.shape[1])
        objectives = [lasso_objective(A, b, lam, x)]
        for k in range(steps):
            s = np.where(x == 0, -0.3, np.sign(x))
            x = x - step0 / np.sqrt(k + 1) * (A.T @ (A @ x - b) + lam * s)
            objectives.append(lasso_objective(A, b, lam, x))
        return x, np.array(objectives)
    chooses = lambda x: np.where(np.asarray(x) == 0, -0.3, np.sign(x))  # noqa: E731 (its subgradient_abs)
    assert hidden.test_subgradient_method_hidden(choosy, chooses) is None
    assert hidden.test_subgradient_method_hidden(ref.subgradient_method, chooses) is None  # np.sign's 0 too
    with pytest.raises(CheckFailure, match=r"s_k = subgradient_abs\(x_k\) \(yours: at 0 it gave \[0\.\]\)"):
        hidden.test_subgradient_method_hidden(choosy, ref.subgradient_abs)  # not its subgradient_abs's choice


def test_a_wrongly_weighted_l1_subgradient_loses_although_it_converges_as_well():
    """lam / 2 on the subgradient of the L1 term: its gap is as small as the right method's
    (both are limited by the method's own oscillation), but the recursion fixes every objective."""
    def half_weight(A, b, lam, steps=500, step0=1e-2):
        x = np.zeros(A.shape[1])
        objectives = [lasso_objective(A, b, lam, x)]
        for k in range(steps):
            x = x - step0 / np.sqrt(k + 1) * (A.T @ (A @ x - b) + 0.5 * lam * np.sign(x))
            objectives.append(lasso_objective(A, b, lam, x))
        return x, np.array(objectives)
    with pytest.raises(CheckFailure, match="fixes every iterate"):
        hidden.test_subgradient_method_hidden(half_weight, ref.subgradient_abs)
