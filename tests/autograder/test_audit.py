"""`autograder audit`: mutants of a reference, graded by the chapter's hidden tests."""
from __future__ import annotations

import ast

from autograder import audit, mutation


def test_the_unchanged_reference_comes_first_and_passes_its_hidden_tests():
    where, namespace = next(mutation.mutants("01_numerical", "central_difference"))
    assert where == "unchanged"
    assert audit._grade(audit._tests_of("01_numerical", "central_difference"), namespace) == ""


def test_a_sign_swapped_in_the_central_difference_is_killed_and_said_where():
    found = audit.audit("01_numerical", "central_difference")
    assert not found.baseline and found.mutants
    swapped = [m for m in found.mutants if "Sub -> Add" in m.where]
    assert swapped and all(m.verdict == "killed" for m in swapped), [m.where for m in swapped]
    assert all(m.where.startswith("central_difference, line ") for m in found.mutants)


def test_only_the_solution_region_is_mutated():
    source = "def f(x):\n    \"\"\"doc 2.0\"\"\"\n    y = 2 * x\n    ### BEGIN SOLUTION\n    return y + 1\n    ### END SOLUTION\n"
    node = ast.parse(source).body[0]
    lines = mutation._solution_lines(source.splitlines(), node)
    assert lines == {5}
    assert sorted(what for _, what, _ in mutation._sites(node, lines)) == [
        "1 -> 2", "Add -> Sub", "the result negated", "the right term dropped"]


def test_a_change_no_input_can_see_is_equivalent_and_one_the_tests_miss_survives():
    tests = audit._tests_of("01_numerical", "relative_error")
    where, namespace = next(mutation.mutants("01_numerical", "relative_error"))
    same = dict(namespace)
    same["relative_error"] = lambda *args, **kwargs: namespace["relative_error"](*args, **kwargs) + 0.0
    assert audit._grade(tests, same) == "" and audit._difference("01_numerical", tests, same) == ""
    # within the tolerance of a finite difference, but not the reference's answer
    tests = audit._tests_of("01_numerical", "central_difference")
    where, namespace = next(mutation.mutants("01_numerical", "central_difference"))
    original = namespace["central_difference"]
    close = dict(namespace)
    close["central_difference"] = lambda *args, **kwargs: original(*args, **kwargs) * (1 + 1e-8)
    assert audit._grade(tests, close) == ""
    assert audit._difference("01_numerical", tests, close).startswith("_Differs: central_difference(")
