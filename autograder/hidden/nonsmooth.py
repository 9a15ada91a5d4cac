"""The hidden tests of chapter 07_nonsmooth (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import nonsmooth as cases
from autograder.checking import compare


def test_subgradient_abs_hidden(subgradient_abs):
    """`subgradient_abs` against the reference on random inputs, any value in [-1, 1] at 0."""
    compare(subgradient_abs, "nonsmooth.subgradient_abs", cases.subgradient_abs_cases(seed=701), policy="exact",
            harness=cases.any_subgradient_at_zero)


def test_soft_threshold_hidden(soft_threshold):
    """`soft_threshold` against the reference on random inputs."""
    compare(soft_threshold, "nonsmooth.soft_threshold", cases.soft_threshold_cases(seed=702), policy="exact")


def test_ista_hidden(ista):
    """`ista` on random lasso problems: the optimality conditions at the x returned, and
    objectives consistent with x and never increasing; at most 20 s per call."""
    compare(ista, "nonsmooth.ista", cases.lasso_cases("ista", seed=703), policy="optimality",
            harness=cases.lasso_harness("ista"), seconds=20)


def test_fista_hidden(fista):
    """`fista` on random lasso problems: the optimality conditions at the x returned, and a
    gap far below ISTA's on badly conditioned ones; at most 20 s per call."""
    compare(fista, "nonsmooth.fista", cases.lasso_cases("fista", seed=704), policy="optimality",
            harness=cases.lasso_harness("fista"), seconds=20)


def test_subgradient_method_hidden(subgradient_method, subgradient_abs):
    """`subgradient_method` on random lasso problems: its gap after a few hundred steps, and
    its iterates, which the recursion with the student's `subgradient_abs` fixes; at most
    20 s per call."""
    compare(subgradient_method, "nonsmooth.subgradient_method", cases.lasso_cases("subgradient_method", seed=705),
            policy="subgradient_gap", harness=cases.lasso_harness("subgradient_method", subgradient_abs),
            seconds=20)
