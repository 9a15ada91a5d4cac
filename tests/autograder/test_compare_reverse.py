"""Chapter 04: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake)."""
from __future__ import annotations

import pytest

from adcourse.functions import GRAPHS
from autograder.cases import reverse as cases
from autograder.checking import CheckFailure, compare
from autograder.hidden import reverse as hidden
from autograder.reference import reverse as ref

def _order(output):
    return cases._topological_order(output)


def following_every_path(output):
    """Right on every graph, but one step per path: 2**60 steps on the doubling graph."""
    for node in _order(output):
        node.grad = 0.0
    output.grad = 1.0
    stack = [(output, 1.0)]
    while stack:
        node, g = stack.pop()
        for parent, local in node.parents:
            parent.grad += g * local
            stack.append((parent, g * local))


def recursive_sort(output):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent, _ in node.parents:
                visit(parent)
            order.append(node)

    visit(output)
    for node in order:
        node.grad = 0.0
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def test_a_path_following_backward_fails_and_is_named():
    # Following every path of the large graphs would not end: the time limit stops it.
    with pytest.raises(CheckFailure) as failure:
        hidden.test_backward_hidden(following_every_path, ref.Var)
    message = str(failure.value)
    assert "1 of" in message and "follows every path instead of visiting each node once" in message


def test_a_recursive_topological_sort_fails_only_on_the_deep_graph():
    with pytest.raises(CheckFailure) as failure:
        hidden.test_backward_hidden(recursive_sort, ref.Var)
    message = str(failure.value)
    assert message.startswith("1 of") and "recursion" in message and "30,000" in message


def test_a_wrong_answer_on_a_reused_node_is_named_for_what_it_is():
    with pytest.raises(CheckFailure, match="overwritten instead of accumulated"):
        compare(cases._overwritten, "reverse.backward", [cases.Case((cases.Graph("reused"),))],
                harness=cases.on_graph(ref.Var))


def test_grad_returning_one_number_is_told_to_return_a_tuple():
    with pytest.raises(CheckFailure, match="not a tuple"):
        hidden.test_grad_hidden(lambda f: lambda *x: ref.grad(f)(*x)[0])


def test_a_float_recorded_as_a_vars_parent_is_explained():
    class NumberParents(ref.Var):
        def __add__(self, other):
            if isinstance(other, ref.Var):
                return ref.Var.__add__(self, other)
            return ref.Var(self.value + other, ((self, 1.0), (other, 0.0)))

    with pytest.raises(CheckFailure, match="not a node"):
        compare(NumberParents, "reverse.Var", [cases.Case((cases.Operation("+", cases.var(1.0), 2.0),))],
                harness=cases.var_program)


def test_the_graphs_of_the_cases_are_what_their_names_say():
    out, (x, _) = GRAPHS["doubling paths"](ref.Var, cases.LEVELS, 0)
    ref.backward(out)
    assert x.grad == 1.0 and len(cases._topological_order(out)) == 3 * cases.LEVELS + 1
    chain, _ = GRAPHS["chain"](ref.Var, cases.DEEP, 0)
    assert len(cases._topological_order(chain)) == cases.DEEP + 1


def test_catalogue_names_are_unique_so_each_function_crosses_to_the_kernel_as_itself():
    from adcourse.functions import CATALOGUE, by_name

    names = [fn.name for fn in CATALOGUE]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert all(by_name(fn.name) is fn for fn in CATALOGUE)
