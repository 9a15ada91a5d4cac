"""The hidden tests of chapter 06_tensor_autodiff (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import tensor_autodiff as cases
from autograder.checking import compare


def test_Tensor_hidden(Tensor):
    """Every primitive of `Tensor`, its values and vector-Jacobian products against the
    reference and against central differences, with broadcasting, numbers and arrays on
    either side, axes, keepdims and reuse, and relu's VJP at its kink (0, by the course's
    convention); at most 10 s per call."""
    compare(Tensor, "tensor_autodiff.Tensor", cases.operation_cases(seed=601), harness=cases.tensor_vjp,
            policy="exact", seconds=10)
    compare(Tensor, "tensor_autodiff.Tensor", cases.operation_cases(seed=601), harness=cases.tensor_directional,
            policy="finite_difference", seconds=10)
    compare(Tensor, "tensor_autodiff.Tensor", cases.kink_cases(seed=604), harness=cases.tensor_vjp,
            policy="exact", seconds=10)


def test_backward_hidden(backward, Tensor):
    """`backward`, called twice, on the course's graphs of the student's `Tensor`s (reuse,
    several paths, a layer, chains 150 and 10,000 deep (at Python's default recursion limit),
    2**40 paths through 80 edges),
    against the reference and against central differences: the same gradients from both
    calls, each vector-Jacobian product called once per call; at most 10 s per call."""
    compare(backward, "tensor_autodiff.backward", cases.graph_cases(seed=602), harness=cases.on_graph(Tensor),
            policy="exact", seconds=10)
    compare(backward, "tensor_autodiff.backward", cases.directional_graph_cases(seed=602),
            harness=cases.on_graph_directional(Tensor), policy="finite_difference", seconds=10)


def test_train_mlp_hidden(train_mlp):
    """The properties of `train_mlp`'s losses on other moons; at most 60 s per call."""
    compare(train_mlp, "tensor_autodiff.train_mlp", cases.training_cases(seed=603), harness=cases.training,
            policy="exact", seconds=60)
