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
    assert all(m.where.startswith(("central_difference, line ", "central_difference, a named mistake: "))
               for m in found.mutants)
    assert any("a named mistake: " in m.where for m in found.mutants)


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


def test_the_autodiff_mistakes_are_generated_where_the_code_has_them():
    source = ("def vjp(g, shape, x):\n    ### BEGIN SOLUTION\n    return unbroadcast(g * x.sum(axis=0), shape)\n"
              "    ### END SOLUTION\n")
    node = ast.parse(source).body[0]
    sites = {what: how for site, what, how in mutation._sites(node, mutation._solution_lines(source.splitlines(), node))}
    undone = sites["broadcasting not undone"](ast.parse("unbroadcast(g * x.sum(axis=0), shape)").body[0].value)
    assert ast.unparse(undone) == "g * x.sum(axis=0)"
    dropped = sites["the axis dropped (a reduction over every axis)"](ast.parse("x.sum(axis=0)").body[0].value)
    assert ast.unparse(dropped) == "x.sum()"


def test_the_named_mistakes_are_graded_too_and_a_recursion_is_killed():
    where, unchanged = next(mutation.mutants("06_tensor_autodiff", "backward"))
    named = dict(audit._named_mistakes("06_tensor_autodiff", "backward", unchanged))
    assert len(named) == len(audit.importlib.import_module("autograder.cases.tensor_autodiff").MISTAKES["backward"])
    recursion = next(where for where in named if "recursed deeper than Python allows" in where)
    assert recursion.startswith("backward, a named mistake: ")
    tests = audit._tests_of("06_tensor_autodiff", "backward")
    assert audit._grade(tests, named[recursion]).startswith("CheckFailure: 1 of ")  # killed, by the deep graph


def test_a_hidden_test_that_catches_the_time_limit_still_loses_the_mutant(monkeypatch):
    """The alarm fires again after the first: a test that records a failure for each case
    and goes on cannot run the mutant past the limit unseen."""
    monkeypatch.setattr(audit, "SECONDS", 0.05)
    monkeypatch.setattr(audit, "AGAIN", 0.05)
    caught = []

    def test_catching_everything(slow):
        for _ in range(3):
            try:
                slow()
            except audit.TimeLimitExceeded:
                caught.append(1)

    def slow():
        while True:
            pass
    assert audit._grade([test_catching_everything], {"slow": slow}).startswith("TimeLimitExceeded")
    assert len(caught) == 3


def test_the_readmes_table_is_the_audits_and_fresh():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    section = audit.readme_section((root / "README.md").read_text())
    assert section, "README.md has no table of `autograder audit --readme`"
    digest, table = section
    assert digest == audit.fingerprint(root), (
        "the references, cases, hidden tests or the audit changed since README.md's table was "
        "written: run `autograder audit --readme`")
    rows = [row.split(" | ") for row in table.splitlines()[2:]]
    low = [row for row in rows if not row[-1].rstrip(" |").endswith("%") or int(row[-1].rstrip(" |%")) < 95]
    assert not low, low
    # one chapter's rows, computed again (the rest cost a minute and a half; the digest holds them)
    fresh = audit.table({"01_numerical": [audit.audit("01_numerical", e)
                                          for e in audit.solution_groups("01_numerical")]})
    assert [r for r in table.splitlines() if r.startswith("| 01_numerical ")] == fresh.splitlines()[2:]
