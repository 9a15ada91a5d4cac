"""Chapter 06: what its hidden tests fail and what they say (tests/autograder/test_compare_hidden.py
runs every hidden test on the reference and on every listed mistake)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.cases import tensor_autodiff as cases
from autograder.checking import CheckFailure, compare
from autograder.hidden import tensor_autodiff as hidden
from autograder.reference import tensor_autodiff as ref


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
        hidden.test_Tensor_hidden(_WrongForward)
    with pytest.raises(CheckFailure, match="disagree with central differences"):  # the second check alone
        compare(_InconsistentGradient, "tensor_autodiff.Tensor", cases.operation_cases(7),
                harness=cases.tensor_directional, policy="finite_difference")


class _NoneGradient(ref.Tensor):
    __slots__ = ()

    def __init__(self, data, parents=()):
        super().__init__(data, parents)
        self.grad = 0.0


def test_the_form_of_an_answer_is_explained():
    with pytest.raises(CheckFailure, match="must be None until backward"):
        hidden.test_Tensor_hidden(_NoneGradient)
    with pytest.raises(CheckFailure, match="left `.grad` of node"):
        hidden.test_backward_hidden(lambda output: None, ref.Tensor)
    with pytest.raises(CheckFailure, match="one loss per step"):
        hidden.test_train_mlp_hidden(lambda X, y, **kw: ref.train_mlp(X, y, **kw)[:-1])
    with pytest.raises(CheckFailure, match="same seed gave different losses"):
        hidden.test_train_mlp_hidden(lambda X, y, **kw: ref.train_mlp(X, y, **{**kw, "seed": np.random.randint(10**6)}))


def test_messages_show_the_expression_and_the_shapes():
    with pytest.raises(CheckFailure) as failure:
        hidden.test_Tensor_hidden(cases.MISTAKES["Tensor"][0].fn)
    assert "x + y, x a Tensor of shape (4, 3), y a Tensor of shape (3,)" in str(failure.value)
