"""Chapter 04: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake)."""
from __future__ import annotations

import numpy as np
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


# --- train_scalar_mlp -------------------------------------------------------------------------

def micrograd_style(params, data, lr=0.1, steps=20):
    """A right answer written as micrograd writes it: neurons, a layer, sum() for each sum."""
    class Neuron:
        def __init__(self, w, b, nonlin):
            self.w, self.b, self.nonlin = w, b, nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return ref.tanh(act) if self.nonlin else act

    params = list(params)
    losses = []
    for _ in range(steps):
        p = [ref.Var(q) for q in params]
        hidden = [Neuron(p[2 * j:2 * j + 2], p[6 + j], True) for j in range(3)]
        output = Neuron(p[9:12], p[12], False)
        loss = sum(((output([h((x1, x2)) for h in hidden]) - y) ** 2 for x1, x2, y in data)) * (1.0 / len(data))
        ref.backward(loss)
        losses.append(loss.value)
        params = [q.value - lr * q.grad for q in p]
    return tuple(params), losses


def test_a_micrograd_style_answer_passes():
    hidden.test_train_scalar_mlp_hidden(micrograd_style)


def test_an_answer_that_returns_numpy_arrays_passes():
    def arrays(params, data, lr=0.1, steps=20):
        final, losses = ref.train_scalar_mlp(params, data, lr, steps)
        return np.array(final), np.array(losses)
    hidden.test_train_scalar_mlp_hidden(arrays)


def test_an_answer_that_updates_params_in_place_is_told_so():
    def in_place(params, data, lr=0.1, steps=20):
        final, losses = ref.train_scalar_mlp(params, data, lr, steps)
        params[:] = final
        return params, losses
    with pytest.raises(CheckFailure, match="modified params, its argument 1, in place"):
        hidden.test_train_scalar_mlp_hidden(in_place)


def test_an_answer_that_returns_vars_is_told_to_return_floats():
    def as_vars(params, data, lr=0.1, steps=20):
        final, losses = ref.train_scalar_mlp(params, data, lr, steps)
        return [ref.Var(p) for p in final], losses
    with pytest.raises(CheckFailure, match=r"must hold floats \(for a Var, its .value\)"):
        hidden.test_train_scalar_mlp_hidden(as_vars)


@pytest.mark.parametrize("lr, steps, words", [(0.01, 20, "the defaults must be lr=0.1 and steps=20"),
                                              (0.1, 10, "returned 10 losses for steps=20 (the default")])
def test_other_defaults_are_named(lr, steps, words):
    def defaults(params, data, lr=lr, steps=steps):
        return ref.train_scalar_mlp(params, data, lr, steps)
    with pytest.raises(CheckFailure) as failure:
        hidden.test_train_scalar_mlp_hidden(defaults)
    assert words in str(failure.value)


def test_every_mistake_differs_from_the_reference_and_from_each_other():
    """Each named mistake gives its own answer on the hidden cases, so that the first one
    recognised is the one made."""
    answers = []
    for mistake in [ref.train_scalar_mlp] + [m.fn for m in cases.MISTAKES["train_scalar_mlp"]]:
        answers.append(np.concatenate([cases.training(mistake, case.args[0]) for case in
                                       cases.training_cases(seed=406)]))
    for i, a in enumerate(answers):
        for b in answers[i + 1:]:
            assert not np.allclose(a, b, rtol=1e-6)


def test_the_hidden_cases_stay_small_for_a_scalar_engine_in_python():
    """The student's Var is plain Python: the test's data points times steps (each builds and
    sweeps a graph of about 30 nodes) stay in the hundreds, a fraction of a second."""
    runs = [case.args[0] for case in cases.training_cases(seed=406)]
    work = sum(len(run.data) * run.count for run in runs) + 2 * 2 * 2 * cases.DEFAULT_STEPS  # check_defaults
    assert work <= 400
    assert {run.count for run in runs} >= {0, 1} and any(run.steps is None for run in runs)
    assert any(run.lr is None for run in runs) and any(run.positional for run in runs)
