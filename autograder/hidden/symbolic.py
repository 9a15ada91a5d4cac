"""The hidden tests of chapter 02_symbolic (see `autograder.hidden`).

Expressions are judged by their values at random points, never by their shape, and
no answer may run SymPy (`cases.FORBIDDEN`).
"""
from __future__ import annotations

from autograder.cases import symbolic as cases
from autograder.checking import compare

#: Libraries the kernel cannot load while this chapter is graded (`banned_by`): no answer
#: can run them, whatever it does in the kernel. `forbid=` below also watches each call
#: where the sandbox cannot keep them out (no Landlock).
BANNED = cases.FORBIDDEN


def test_diff_hidden(diff):
    """`diff` on random expressions: the derivative's values against the reference's; and
    powers with a number exponent at negative bases and at 0."""
    compare(diff, "symbolic.diff", cases.diff_cases(seed=201), policy="symbolic",
            harness=cases.derivative_values, forbid=cases.FORBIDDEN)
    compare(diff, "symbolic.diff", cases.special_diff_cases(), policy="as_evaluated",
            harness=cases.derivative_values_at, forbid=cases.FORBIDDEN)


def test_simplify_hidden(simplify):
    """`simplify` on each rule (no larger than what the rules give), on random expressions
    (the same values, never a larger expression), and on constants whose folding yields
    inf or nan."""
    compare(simplify, "symbolic.simplify", cases.simplify_rule_cases(), policy="symbolic",
            harness=cases.simplified_by_rules, forbid=cases.FORBIDDEN)
    compare(simplify, "symbolic.simplify", cases.simplify_cases(seed=202), policy="symbolic",
            harness=cases.simplified_values, forbid=cases.FORBIDDEN)
    compare(simplify, "symbolic.simplify", cases.special_simplify_cases(), policy="as_evaluated",
            harness=cases.simplified_values, forbid=cases.FORBIDDEN)


def test_count_nodes_hidden(count_nodes):
    """`count_nodes` against the reference on random expressions."""
    compare(count_nodes, "symbolic.count_nodes", cases.count_nodes_cases(seed=203), policy="exact",
            forbid=cases.FORBIDDEN)


def test_logistic_map_hidden(logistic_map):
    """`logistic_map` for several n: the expression's values against the reference's."""
    compare(logistic_map, "symbolic.logistic_map", cases.logistic_map_cases(), policy="symbolic",
            harness=cases.map_values, forbid=cases.FORBIDDEN)


def test_compile_expr_hidden(compile_expr):
    """`compile_expr` on random expressions: the compiled function's values against `evaluate`'s,
    neither compiling nor the function it returns calling `evaluate`."""
    compare(compile_expr, "symbolic.compile_expr", cases.compile_cases(seed=204), policy="symbolic",
            harness=cases.compiled_values, forbid=cases.FORBIDDEN + cases.NOT_EVALUATE)
    compare(compile_expr, "symbolic.compile_expr", cases.special_compile_cases(), policy="as_evaluated",
            harness=cases.compiled_values_at, forbid=cases.FORBIDDEN + cases.NOT_EVALUATE)
