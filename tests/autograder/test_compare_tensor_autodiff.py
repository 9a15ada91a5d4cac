"""The hidden tests of chapter 06: what they pass, what they fail, and what they say."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.cases import tensor_autodiff as cases
from autograder.checking import CheckFailure, compare
from autograder.reference import tensor_autodiff as ref

RUNS = {
    "Tensor": lambda s: compare(s, "tensor_autodiff.Tensor", cases.operation_cases(7), harness=cases.tensor_vjp),
    "backward": lambda s: compare(s, "tensor_autodiff.backward", cases.graph_cases(7),
                                  harness=cases.on_graph(ref.Tensor)),
    "train_mlp": lambda s: compare(s, "tensor_autodiff.train_mlp", cases.training_cases(7),
                                   harness=cases.training, seconds=60),
}
DIRECTIONAL = {
    "Tensor": lambda s: compare(s, "tensor_autodiff.Tensor", cases.operation_cases(7),
                                harness=cases.tensor_directional, policy="finite_difference"),
    "backward": lambda s: compare(s, "tensor_autodiff.backward", cases.graph_cases(7),
                                  harness=cases.on_graph_directional(ref.Tensor), policy="finite_difference"),
}


@pytest.mark.parametrize("name", RUNS)
def test_the_reference_passes_its_own_hidden_tests(name):
    assert RUNS[name](getattr(ref, name)) is None


@pytest.mark.parametrize("name", DIRECTIONAL)
def test_the_reference_agrees_with_central_differences(name):
    assert DIRECTIONAL[name](getattr(ref, name)) is None


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in cases.MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_and_is_named(name, mistake):
    with pytest.raises(CheckFailure) as failure:
        RUNS[name](mistake.fn)
    assert mistake.description in str(failure.value)


class _WrongForward(ref.Tensor):
    """Right VJPs, a wrong value: caught by the comparison with the reference."""
    __slots__ = ()

    def exp(self):
        return ref.primitive(lambda x: np.exp(x) + 1.0, (lambda g, ans, x: g * np.exp(x),), self)


class _InconsistentGradient(ref.Tensor):
    """A VJP that disagrees with the operation's own values (tanh taken for exp's rule)."""
    __slots__ = ()

    def exp(self):
        return ref.primitive(np.exp, (lambda g, ans, x: g * (1 - np.tanh(x) ** 2),), self)


def test_a_wrong_value_fails_and_a_wrong_gradient_disagrees_with_central_differences():
    with pytest.raises(CheckFailure, match="expected"):
        RUNS["Tensor"](_WrongForward)
    with pytest.raises(CheckFailure, match="disagree with central differences"):
        DIRECTIONAL["Tensor"](_InconsistentGradient)


class _NoneGradient(ref.Tensor):
    __slots__ = ()

    def __init__(self, data, parents=()):
        super().__init__(data, parents)
        self.grad = 0.0


def test_the_form_of_an_answer_is_explained():
    with pytest.raises(CheckFailure, match="must be None until backward"):
        RUNS["Tensor"](_NoneGradient)
    with pytest.raises(CheckFailure, match="left `.grad` of node"):
        RUNS["backward"](lambda output: None)
    with pytest.raises(CheckFailure, match="one loss per step"):
        RUNS["train_mlp"](lambda X, y, **kw: ref.train_mlp(X, y, **kw)[:-1])
    with pytest.raises(CheckFailure, match="same seed gave different losses"):
        RUNS["train_mlp"](lambda X, y, **kw: ref.train_mlp(X, y, **{**kw, "seed": np.random.randint(10**6)}))


def test_messages_show_the_expression_and_the_shapes():
    with pytest.raises(CheckFailure) as failure:
        RUNS["Tensor"](cases.MISTAKES["Tensor"][0].fn)
    assert "x + y, x a Tensor of shape (4, 3), y a Tensor of shape (3,)" in str(failure.value)
