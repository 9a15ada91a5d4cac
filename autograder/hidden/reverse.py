"""The hidden tests of chapter 04_reverse (see `autograder.hidden`)."""
from __future__ import annotations

from autograder.cases import reverse as cases
from autograder.checking import compare


def test_Var_hidden(Var):
    """`Var` against the reference: every operation, with Vars and numbers on either side,
    and the parents and local derivatives each result records."""
    compare(Var, "reverse.Var", cases.var_cases(seed=401), policy="exact", harness=cases.var_program)


def test_elementary_functions_hidden(sin, cos, exp, log, tanh, relu, Var):
    """Each of `sin, cos, exp, log, tanh, relu` against the reference on floats and the
    student's `Var`s, with the local derivative it records (relu also at its kink, 0)."""
    for name, function in [("sin", sin), ("cos", cos), ("exp", exp), ("log", log), ("tanh", tanh), ("relu", relu)]:
        compare(function, f"reverse.{name}", cases.elementary_cases(name, seed=402), policy="exact",
                harness=cases.on_var(Var), name=name)


def test_backward_hidden(backward, Var):
    """`backward` on graphs of the student's `Var`s against the reference: random graphs, a
    graph 30,000 nodes deep, a graph with 2**60 paths, a graph given to backward twice; at
    most 5 s per call."""
    compare(backward, "reverse.backward", cases.backward_cases(seed=403), policy="exact",
            harness=cases.on_graph(Var), seconds=5)


def test_grad_hidden(grad):
    """`grad` against the reference: every partial derivative, as a tuple."""
    compare(grad, "reverse.grad", cases.grad_cases(seed=404), policy="exact", harness=cases.gradient_at)


def test_maximum_hidden(maximum, Var):
    """`maximum` against the reference with the student's `Var`s: the value and the local
    derivatives it records, at ties too."""
    compare(maximum, "reverse.maximum", cases.maximum_cases(seed=405), policy="exact",
            harness=cases.on_two_vars(Var))


def test_train_scalar_mlp_hidden(train_scalar_mlp):
    """`train_scalar_mlp` called without lr and steps as with lr=0.1, steps=20, then against
    the reference on random networks, data and rates: the final parameters and every loss,
    one step and none, inputs left unchanged; at most 5 s per call."""
    cases.check_defaults(train_scalar_mlp, seed=407)
    compare(train_scalar_mlp, "reverse.train_scalar_mlp", cases.training_cases(seed=406), policy="iterates",
            harness=cases.training, seconds=5)
