"""Hidden-test inputs, harnesses and typical mistakes of chapter 06_tensor_autodiff.

A student's `Tensor` lives in their kernel. Each test case is a small program run there
in one round trip (`autograder.sealed.in_kernel` with the catalogue's
`TENSOR_OPERATION` and `TENSOR_BACKWARD`):

* an operation on fresh Tensors: its value and, for a random G of the result's shape,
  each operand's gradient of <G, result>, found by following the parents' VJPs (so a
  test of `Tensor` never runs the student's `backward`);
* `backward` on a graph of the student's Tensors whose VJPs are the course's (so a test
  of `backward` never runs the student's rules): every gradient it filled.

What is compared is [value, gradients...] against the reference, and, separately, the
directional derivative <gradients, V> against the central difference of the same
program along a random unit direction V.
"""
from __future__ import annotations

import types

import numpy as np

from adcourse.diagnostics import Mistake
from adcourse.i18n import N_, _
from adcourse.functions import TENSOR_BACKWARD, TENSOR_GRAPHS, TENSOR_OPERATION, operate
from adcourse.remote import with_globals
from adcourse.tensor import make_moons
from adcourse.tolerance import policy
from autograder.cases import derived_seed, generator, ours
from autograder.checking import Case, Unacceptable
from autograder.reference import tensor_autodiff as ref
from autograder.sealed import in_kernel

#: The step of the central differences along a unit direction.
STEP = 1e-5

BROADCASTING = N_("broadcasting was not undone: a gradient has the shape of its tensor; sum it "
                "over the axes that broadcasting added or stretched (unbroadcast)")
MATMUL = N_("the matmul VJP misses a transpose: for C = A @ B, dA = G @ B.T and dB = A.T @ G")
KEEPDIMS = N_("sum(axis, keepdims=False) removed the summed axes: put them back "
            "(np.expand_dims(g, axis)) before spreading g over the input's shape")
HINTS = {"@": MATMUL, "sum": KEEPDIMS, "mean": KEEPDIMS}


def _ours(function) -> bool:
    return ours(function, ref.__name__, __name__)


# --- one operation ----------------------------------------------------------------------------

class Program(tuple):
    """(op, operands, kwargs, G, V), shown as the expression it computes."""

    def __repr__(self):
        op, operands, kwargs, _G, _V = self
        names, parts, shown = iter("xyz"), [], []
        for spec in operands:
            if isinstance(spec, tuple) and spec[0] == "tensor":
                name = next(names)
                parts.append(name)
                shown.append(_("{name} a Tensor of shape {shape}").format(name=name, shape=np.shape(spec[1])))
            elif isinstance(spec, np.ndarray):
                parts.append(_("<array of shape {shape}>").format(shape=spec.shape))
            else:
                parts.append(f"{spec:g}")
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        text = (f"{parts[0]} {op} {parts[1]}" if len(parts) == 2 else
                f"-{parts[0]}" if op == "neg" else f"{parts[0]}.T" if op == "T" else
                f"{parts[0]}.reshape({kwargs['shape']})" if op == "reshape" else
                op if " " in op else f"{parts[0]}.{op}({args})")  # "x * x": the expression itself
        text = f"{text}, {', '.join(shown)}" if shown else text
        return _("{expression}; compared: the value, then each tensor operand's gradient of "
                 "<G, value>").format(expression=text)


def _operand_shape(spec):
    return np.shape(spec[1]) if isinstance(spec, tuple) and spec[0] == "tensor" else None


def _checked_operation(answer, program) -> list:
    """The gradients of a program's answer, after checking what the student can get wrong
    in the answer's form (each with its own message)."""
    op, operands, _kwargs, G, _V = program
    if "error" in answer:
        raise Unacceptable(_("{error}: every operation returns a new Tensor").format(error=answer["error"]))
    if not answer["fresh"]:
        raise Unacceptable(_("a new Tensor's `grad` must be None until backward fills it"))
    if answer["value"].shape != np.shape(G):
        raise Unacceptable(_("the result has shape {shape}; NumPy gives {expected}").format(
            shape=answer["value"].shape, expected=np.shape(G)))
    if "vjp_error" in answer:
        hint = HINTS.get(op)
        if hint:
            raise Unacceptable(_("a vector-Jacobian product raised {error} ({hint})").format(
                error=answer["vjp_error"], hint=_(hint)))
        raise Unacceptable(_("a vector-Jacobian product raised {error}").format(error=answer["vjp_error"]))
    shapes = [s for s in map(_operand_shape, operands) if s is not None]
    for k, (grad, shape) in enumerate(zip(answer["grads"], shapes)):
        if grad is None:
            raise Unacceptable(_("no gradient reached tensor operand {number}: the result must list each "
                                 "Tensor operand among its parents, with its VJP").format(number=k + 1))
        if grad.shape != shape:
            why = _(BROADCASTING) if grad.shape == np.shape(G) else _("a gradient has the shape of its tensor")
            raise Unacceptable(_("the gradient of tensor operand {number} has shape {shape}, the operand has "
                                 "shape {expected}: {why}").format(number=k + 1, shape=grad.shape,
                                                                   expected=shape, why=why))
    return answer["grads"]


def _run_operation(tensor_class, program):
    op, operands, kwargs, G, V = program
    run = in_kernel(TENSOR_OPERATION, tensor_class)
    return run((tensor_class, op, list(operands), dict(kwargs), G, list(V), STEP))


def tensor_vjp(tensor_class, program) -> np.ndarray:
    """[value, gradient of each tensor operand...] of one operation, flattened."""
    answer = _run_operation(tensor_class, program)
    grads = _checked_operation(answer, program)
    return np.concatenate([answer["value"].ravel()] + [g.ravel() for g in grads])


def _directional(grads, V, central, what) -> np.ndarray:
    dot = float(sum(np.sum(g * v) for g, v in zip(grads, V)))
    scale = max(1.0, float(np.sqrt(sum(np.sum(g * g) for g in grads))))
    if not policy("finite_difference").close(dot / scale, central / scale):
        raise Unacceptable(_("the gradients disagree with central differences of {what}: along a "
                             "random unit direction V, <gradients, V> = {dot} but "
                             "(f(x + hV) - f(x - hV)) / 2h = {central} (h = {step})").format(
                                 what=what, dot=f"{dot:.10g}", central=f"{central:.10g}", step=f"{STEP:g}"))
    return np.array([dot])


def tensor_directional(tensor_class, program) -> np.ndarray:
    """<gradients, V> of one operation, checked against the central difference of the
    operation's own values along V (a failure says so)."""
    answer = _run_operation(tensor_class, program)
    grads = _checked_operation(answer, program)
    return _directional(grads, program[4], answer["central"], _("the operation's own values"))


def _unit_directions(rng, shapes) -> list:
    V = [rng.normal(size=s) for s in shapes]
    norm = np.sqrt(sum(np.sum(v * v) for v in V))
    return [v / norm for v in V]


#: Binary operations and where their operands are drawn (division: a denominator away from 0).
BINARY = {"+": (-2, 2), "-": (-2, 2), "*": (-2, 2), "/": (0.5, 2)}
#: Pairs of shapes that broadcast, on either side.
BROADCAST_PAIRS = [((4, 3), (4, 3)), ((4, 3), (3,)), ((3,), (4, 3)), ((4, 1), (1, 3)),
                   ((2, 3, 4), (3, 1)), ((), (2, 3)), ((2, 3), ())]
UNARY = {"neg": (-2, 2), "exp": (-2, 2), "log": (0.5, 3), "tanh": (-2, 2), "relu": (0.1, 2)}


def _program(rng, op, operands, kwargs=None):
    """A Program with G of the result's shape and unit directions for the tensor operands."""
    kwargs = kwargs or {}
    local, _leaves = _apply_locally(op, operands, kwargs)
    shapes = [s for s in map(_operand_shape, operands) if s is not None]
    return Program((op, tuple(operands), kwargs, rng.normal(size=np.shape(local)),
                    tuple(_unit_directions(rng, shapes))))


def _apply_locally(op, operands, kwargs):
    leaves, out = operate(ref.Tensor, op, operands, kwargs)
    return out.data, leaves


def tensor(array):
    return ("tensor", np.asarray(array, dtype=float))


def operation_cases(seed: int) -> list[Case]:
    """Every primitive: broadcasting on either side, numbers and arrays on either side,
    matmul of matrices and vectors, sum and mean with axis and keepdims, a tensor used
    twice. Square matrices come first where a mistake would otherwise only raise."""
    rng = generator(seed)

    def draw(shape, lo=-2.0, hi=2.0):
        values = rng.uniform(lo, hi, size=shape)
        if lo < 0 < hi:  # away from relu's kink and from 0
            values = np.where(np.abs(values) < 0.1, 0.5, values)
        return values

    programs = []
    for op, (lo, hi) in BINARY.items():
        for left, right in BROADCAST_PAIRS:
            programs.append(_program(rng, op, [tensor(draw(left, lo, hi)), tensor(draw(right, lo, hi))]))
        programs.append(_program(rng, op, [tensor(draw((3, 2), lo, hi)), float(rng.uniform(0.5, 2))]))
        programs.append(_program(rng, op, [float(rng.uniform(0.5, 2)), tensor(draw((3, 2), lo, hi))]))
        programs.append(_program(rng, op, [draw((4, 3), lo, hi), tensor(draw((3,), lo, hi))]))
        programs.append(_program(rng, op, [tensor(draw((4, 3), lo, hi)), draw((4, 1), lo, hi)]))
    for a, b in [((3, 3), (3, 3)), ((4, 3), (3, 3)), ((4, 3), (3, 2)), ((4, 3), (3,)), ((3,), (3, 2)),
                 ((3,), (3,)), ((2, 4, 3), (3, 2))]:
        programs.append(_program(rng, "@", [tensor(draw(a)), tensor(draw(b))]))
    programs.append(_program(rng, "@", [draw((4, 3)), tensor(draw((3, 3)))]))
    programs.append(_program(rng, "@", [tensor(draw((3, 3))), draw((3, 2))]))
    for op, (lo, hi) in UNARY.items():
        programs.append(_program(rng, op, [tensor(draw((3, 4), lo, hi))]))
        programs.append(_program(rng, op, [tensor(draw((), lo, hi))]))
    for op in ("sum", "mean"):
        for shape, kwargs in [((3, 3), {"axis": 1}), ((3, 4), {"axis": 0}), ((3, 4), {}),
                              ((3, 4), {"axis": 1, "keepdims": True}), ((2, 3, 4), {"axis": (0, 2)}),
                              ((2, 3, 4), {"axis": -1}), ((4,), {"axis": 0, "keepdims": True})]:
            programs.append(_program(rng, op, [tensor(draw(shape))], kwargs))
    programs.append(_program(rng, "T", [tensor(draw((3, 4)))]))
    programs.append(_program(rng, "reshape", [tensor(draw((3, 4)))], {"shape": (2, 6)}))
    programs.append(_program(rng, "reshape", [tensor(draw((2, 3)))], {"shape": (6,)}))
    for op in ("x * x", "x + x", "x * x - x", "x / (x + 3)"):
        programs.append(_program(rng, op, [tensor(draw((2, 3), 0.5, 2))]))
    return [Case((p,)) for p in programs]


def kink_cases(seed: int) -> list[Case]:
    """relu where its input is exactly 0 (beside values on either side): its VJP is 0 there,
    the course's convention (not checked by central differences, which see a kink)."""
    rng = generator(seed)
    at_zero = np.where(rng.random((3, 4)) < 0.5, 0.0, rng.uniform(-2, 2, (3, 4)))
    at_zero[0, 0] = 0.0
    return [Case((_program(rng, "relu", [tensor(at_zero)]),)), Case((_program(rng, "relu", [tensor(0.0)]),))]


# --- backward -------------------------------------------------------------------------------------

class Graph(tuple):
    """(name, arrays, V), shown as the graph's name and its leaves' shapes."""

    def __repr__(self):
        shapes = ", ".join(str(np.shape(a)) for a in self[1])
        return _("the graph {name} (leaves of shapes {shapes})").format(name=repr(self[0]), shapes=shapes)


def _run_backward(function, tensor_class, graph, central=True):
    """backward run on the graph in the kernel (its output's central difference along V
    computed there too when `central`)."""
    name, arrays, V = graph
    run = in_kernel(TENSOR_BACKWARD, function)
    try:
        answer = run((tensor_class, function, name, list(arrays), list(V), STEP if central else None))
    except Exception as error:  # noqa: BLE001 (a RecursionError here, or as the kernel names it)
        if "RecursionError" not in (type(error).__name__, getattr(error, "ename", "")):
            raise
        raise Unacceptable(_("backward recursed deeper than Python allows on {graph}: put the nodes in "
                             "topological order with an explicit stack, so that graphs thousands deep "
                             "work").format(graph=repr(graph))) from None
    for k, (grad, shape) in enumerate(zip(answer["grads"], answer["shapes"])):
        if grad is None:
            raise Unacceptable(_("backward left `.grad` of node {number} of the graph (shape {shape}) None: "
                                 "every tensor the output depends on gets one").format(
                                     number=k + 1, shape=tuple(shape)))
        if grad.shape != tuple(shape):
            raise Unacceptable(_("backward filled node {number}'s `.grad` with shape {shape}; the node has "
                                 "shape {expected}").format(number=k + 1, shape=grad.shape,
                                                             expected=tuple(shape)))
    if answer["vjp_calls"] > answer["edges"]:
        raise Unacceptable(_("backward called the graph's vector-Jacobian products {calls} times, and the "
                             "graph has {edges} edges: each tensor passes its gradient on once, after all "
                             "of its own has arrived (topological order): each edge's VJP once per call, "
                             "not once per path").format(calls=answer["vjp_calls"], edges=answer["edges"]))
    for k, (first, second) in enumerate(zip(answer["first"], answer["grads"])):
        if first is not None and second is not None and not np.array_equal(first, second):
            if np.allclose(second, 2 * first):
                raise Unacceptable(_("a second call of backward on the same output changed node {number}'s "
                                     "`.grad` to twice what the first call gave: the gradients were "
                                     "accumulated across calls; each call replaces what an earlier call "
                                     "left (start every node it reaches from zero)").format(number=k + 1))
            raise Unacceptable(_("a second call of backward on the same output changed node {number}'s "
                                 "`.grad`; each call replaces what an earlier call left (start every node "
                                 "it reaches from zero)").format(number=k + 1))
    return answer


def on_graph(student_tensor):
    """A harness for `backward`: [value, every gradient...] of a course graph built of the
    Tensor class that goes with the function (the student's for the student's function)."""
    def harness(function, graph):
        tensor_class = ref.Tensor if _ours(function) else student_tensor
        answer = _run_backward(function, tensor_class, graph, central=False)
        return np.concatenate([[answer["value"]]] + [g.ravel() for g in answer["grads"]])
    return harness


def on_graph_directional(student_tensor):
    """<gradients of the leaves, V> after `backward`, checked against the central difference
    of the graph's output along V."""
    def harness(function, graph):
        tensor_class = ref.Tensor if _ours(function) else student_tensor
        answer = _run_backward(function, tensor_class, graph)
        leaves = answer["grads"][:len(graph[1])]
        return _directional(leaves, graph[2], answer["central"], _("the graph's output"))
    return harness


LEAVES = {"reuse": [(3, 4)], "diamond": [(5,)], "skip": [(3,)], "layer": [(3, 4), (4,), (4,)],
          "chain": [(4,)], "deep": [(4,)], "doubling": [(3,)]}


def graph_cases(seed: int) -> list[Case]:
    """Every course graph (a tensor used twice by one node and reused, two paths, paths of
    different lengths, a layer with broadcasting, a chain 150 deep), twice, and a chain DEEP
    (10,000) deep and 2**40 paths through 80 edges once; `backward` is called twice on each."""
    rng = generator(seed)
    cases = []
    for name in TENSOR_GRAPHS:
        for _unused in range(1 if name in STRUCTURAL else 2):  # structure, not values, is their test
            arrays = tuple(rng.uniform(-1.5, 1.5, size=s) for s in LEAVES[name])
            cases.append(Case((Graph((name, arrays, tuple(_unit_directions(rng, LEAVES[name])))),)))
    return cases


#: Graphs whose test is their structure (depth, paths): checked once, against the reference.
STRUCTURAL = ("deep", "doubling")


def directional_graph_cases(seed: int) -> list[Case]:
    """The cases of `graph_cases` whose values a central difference checks (not the
    structural ones)."""
    return [case for case in graph_cases(seed) if case.args[0][0] not in STRUCTURAL]


# --- train_mlp ------------------------------------------------------------------------------------

#: The mean cross-entropy that the last step must be under on the test's moons.
FINAL_LOSS = 0.3
DESCENT = N_("the loss did not go down: gradient descent moves each parameter by -lr * p.grad "
           "(if yours does, are the gradients right? see the tests of Tensor and backward)")


def training(function, X, y, **kwargs) -> np.ndarray:
    """[number of losses] of train_mlp(X, y, **kwargs), after checking its properties: one
    float per step, none negative (a cross-entropy never is), finite, decreasing overall
    to under FINAL_LOSS, the same losses for the same seed, and each step a step of
    gradient descent (each failure with its own message)."""
    losses = function(X, y, **kwargs)
    steps = kwargs["steps"]
    if not isinstance(losses, (list, tuple)):
        raise Unacceptable(_("returned a {kind}; expected a list of {steps} floats").format(
            kind=type(losses).__name__, steps=steps))
    if len(losses) != steps:
        raise Unacceptable(_("returned {count} losses for steps={steps}: one loss per step").format(
            count=len(losses), steps=steps))
    if not all(isinstance(v, (float, int, np.floating)) for v in losses):
        odd = next(v for v in losses if not isinstance(v, (float, int, np.floating)))
        raise Unacceptable(_("the losses must be floats (e.g. float(loss.data)), not {value}").format(
            value=f"{odd!r:.80}"))
    losses = np.asarray(losses, dtype=float)
    if (losses < 0).any():
        raise Unacceptable(_("a loss is negative ({loss}): the mean binary cross-entropy "
                             "-mean(y log p + (1 - y) log(1 - p)) never is, so this is not it").format(
                                 loss=f"{np.nanmin(losses):.4g}"))
    if not losses[-1] < losses[0]:
        raise Unacceptable(_("{problem} (the first loss is {first}, the last {last})").format(
            problem=_(DESCENT), first=f"{losses[0]:.4g}", last=f"{losses[-1]:.4g}"))
    if not np.isfinite(losses).all():
        raise Unacceptable(_("some losses are not finite (inf or nan): is a log of 0 taken?"))
    if not losses[-1] < FINAL_LOSS:
        raise Unacceptable(_("the loss went from {first} to {last} in {steps} steps; it should fall under "
                             "{bound} on these moons (is the loss the mean binary cross-entropy, and is every "
                             "parameter updated?)").format(first=f"{losses[0]:.4f}", last=f"{losses[-1]:.4f}",
                                                          steps=steps, bound=FINAL_LOSS))
    again = np.asarray(function(X, y, **kwargs), dtype=float)
    if again.shape != losses.shape or not np.array_equal(again, losses):
        raise Unacceptable(_("two runs with the same seed gave different losses: draw the "
                             "initial weights with np.random.default_rng(seed)"))
    _gradient_descent_steps(function, X, y, kwargs)
    _one_logit(function, X, kwargs)
    return np.array([float(steps)])


#: The rate of the short runs that check each step is one gradient-descent step.
SMALL_LR = 1e-3
NOT_DESCENT = N_("the losses do not follow gradient descent: with a small rate lr, a step "
               "p <- p - lr * p.grad lowers the loss by about lr * |grad|^2, nearly the same at the next "
               "step, and twice as much with twice the rate")


def _gradient_descent_steps(function, X, y, kwargs) -> None:
    """Short runs with a small rate: entry 0 is the loss of the initial parameters (the
    same at every rate), and each step lowers the loss by about lr |grad|^2 (to first
    order in lr), which changes little over three steps and doubles with the rate. Updates
    that are not gradient-descent steps (gradients accumulated across steps, a made-up
    list) fail one of these."""
    short = {**kwargs, "steps": 4, "lr": SMALL_LR}
    a = np.asarray(function(X, y, **short), dtype=float)
    b = np.asarray(function(X, y, **{**short, "lr": 2 * SMALL_LR}), dtype=float)
    if a.shape != (4,) or b.shape != (4,):
        raise Unacceptable(_("returned {count} losses for steps={steps}: one loss per step").format(
            count=a.size, steps=4))
    if not np.isclose(a[0], b[0], rtol=1e-9, atol=1e-12):
        raise Unacceptable(_("{problem} (the first loss, {first} at lr={lr} and {second} at lr={lr2}, must be "
                             "the loss of the initial parameters, before any step)").format(
                                 problem=_(NOT_DESCENT), first=f"{a[0]:.6g}", lr=f"{SMALL_LR:g}",
                                 second=f"{b[0]:.6g}", lr2=f"{2 * SMALL_LR:g}"))
    da, db = -np.diff(a), -np.diff(b)
    if not (da > 0).all() or not (0.8 < da[1:] / da[0]).all() or not (da[1:] / da[0] < 1.25).all() \
            or not 1.6 < db[0] / da[0] < 2.5:
        raise Unacceptable(_("{problem} (at lr={lr} the loss fell by {falls}; at lr={lr2} by {falls2})").format(
            problem=_(NOT_DESCENT), lr=f"{SMALL_LR:g}", falls=", ".join(f"{d:.3g}" for d in da),
            lr2=f"{2 * SMALL_LR:g}", falls2=", ".join(f"{d:.3g}" for d in db)))
    ones = np.asarray(function(X, np.ones(len(y)), **short), dtype=float)
    if ones.shape == a.shape and np.allclose(ones[1:], a[1:], rtol=1e-12, atol=1e-15):
        raise Unacceptable(_("the losses are the same with the labels y and with every label 1: the mean "
                             "binary cross-entropy -mean(y log p + (1 - y) log(1 - p)) depends on the "
                             "labels (is the term in y missing?)"))


#: The rate of the one-step runs on points that share one logit (second-order terms in
#: lr below 1e-3 of the first-order one), and how close their ratios must be to gradient
#: descent's.
TINY_LR, RATIO_RTOL = 1e-5, 1e-3
NOT_CROSS_ENTROPY = N_("the losses are not the mean binary cross-entropy: on {n} copies of one point, "
                       "which all get the same logit z from the same initial weights, the cross-entropy "
                       "with every label 0 is -log(1 - p) and with every label 1 is -log p, p = "
                       "sigmoid(z), so exp(-L0) + exp(-L1) = 1 and with {k} labels 1 of {n} the loss is "
                       "L0 - ({k}/{n}) z; yours give L0 = {L0}, L1 = {L1}, L{k} = {Lk}")


def _one_logit(function, X, kwargs) -> None:
    """Runs of one step on n copies of one point, whose labels are all 0, k of n 1, or all
    1: the same initial weights give every copy the same logit z, so the losses and the
    first step are known functions of z alone. The cross-entropy makes exp(-L0) +
    exp(-L1) = 1 and L_k = L0 - (k/n) z; a gradient-descent step lowers the loss by lr
    times the squared gradient, (dL/dz)^2 |dz/dθ|^2 with dL/dz = p - k/n, so the first
    decreases are in the ratio ((p - k/n) / p)^2 whatever dz/dθ is: Adam, clipped or
    decayed steps, and losses that are another function of p, fail here."""
    n = 4
    copies = np.repeat(np.asarray(X, dtype=float)[:1], n, axis=0)
    runs = {}
    for k in (0, 1, 3, n):
        labels = np.array([1.0] * k + [0.0] * (n - k))
        runs[k] = np.asarray(function(copies, labels, hidden=kwargs["hidden"], steps=2, lr=TINY_LR,
                                      seed=kwargs["seed"]), dtype=float)
        if runs[k].shape != (2,) or not np.isfinite(runs[k]).all():
            raise Unacceptable(_("returned {value} for steps=2 on {n} copies of one point: two finite "
                                 "losses, one per step").format(value=f"{runs[k]!r:.80}", n=n))
    L0, L1 = runs[0][0], runs[n][0]
    p = np.exp(-L1)
    z = np.log(p) - np.log1p(-p) if 0 < p < 1 else np.nan
    for k in (1, 3):
        if not (np.isclose(np.exp(-L0) + np.exp(-L1), 1.0, rtol=0, atol=1e-9)
                and np.isclose(runs[k][0], L0 - k / n * z, rtol=1e-9, atol=1e-9)):
            raise Unacceptable(_(NOT_CROSS_ENTROPY).format(n=n, k=k, L0=f"{L0:.6g}", L1=f"{L1:.6g}",
                                                            Lk=f"{runs[k][0]:.6g}"))
    fell = {k: runs[k][0] - runs[k][1] for k in runs}
    for k in (1, 3, n):
        predicted = ((p - k / n) / p) ** 2
        if fell[0] <= 0 or not np.isclose(fell[k] / fell[0], predicted, rtol=RATIO_RTOL, atol=1e-6):
            raise Unacceptable(_(
                "{problem}: on {n} copies of one point (one logit z, p = sigmoid(z) = {p}), one "
                "step p <- p - lr * p.grad with labels k of {n} equal to 1 lowers the loss by lr * "
                "(p - k/{n})^2 |dz/dθ|^2, so the decrease with k = {k} is ((p - {k}/{n}) / p)^2 = "
                "{predicted} times the decrease with k = 0; yours is {ratio} times "
                "(is the step lr times the gradient, with no other term?)").format(
                    problem=_(NOT_DESCENT), n=n, p=f"{p:.4f}", k=k, predicted=f"{predicted:.4f}",
                    ratio=f"{fell[k] / fell[0]:.4f}"))


def training_cases(seed: int) -> list[Case]:
    seed = derived_seed(seed)
    X, y = make_moons(200, 0.1, seed)
    return [Case((X, y), {"hidden": 16, "steps": 500, "lr": 1.0, "seed": seed})]


# --- typical mistakes -------------------------------------------------------------------------------

def _variant(name: str, **overrides) -> type:
    """A Tensor class whose methods see some of the reference's global names replaced
    (its `primitive` most often): a mistake made once, in every operation."""
    namespace = {"__module__": __name__, "__slots__": ()}
    for key, value in vars(ref.Tensor).items():
        if isinstance(value, types.FunctionType):
            namespace[key] = with_globals(value, overrides)
        elif isinstance(value, property):
            namespace[key] = property(with_globals(value.fget, overrides))
    return type(name, (ref.Tensor,), namespace)


def _primitive_with(**overrides):
    return with_globals(ref.primitive, overrides)


def _parents_once(fun, vjps, *args, **kwargs):
    """primitive, with a tensor used twice recorded once (the second VJP lost)."""
    out = ref.primitive(fun, vjps, *args, **kwargs)
    kept = {}
    for parent, vjp in out.parents:
        kept[id(parent)] = (parent, vjp)
    out.parents = tuple(kept.values())
    return out


def _matmul_without(left: bool, right: bool) -> type:
    """A Tensor whose matmul VJPs drop the transpose: in dA = G @ B.T (left), in
    dB = A.T @ G (right), or in both."""
    def left_rule(g, ans, x, y):
        return g @ (y if left else np.swapaxes(y, -1, -2)) if y.ndim > 1 else np.multiply.outer(g, y)

    def right_rule(g, ans, x, y):
        return (x if right else np.swapaxes(x, -1, -2)) @ g if x.ndim > 1 else np.multiply.outer(x, g)

    def __matmul__(self, other):
        return ref.primitive(np.matmul, (left_rule, right_rule), self, other)
    return type("MatmulNoTranspose", (ref.Tensor,), {"__slots__": (), "__module__": __name__,
                                                      "__matmul__": __matmul__})


class _SumNotExpanded(ref.Tensor):
    __slots__ = ()

    def sum(self, axis=None, keepdims=False):
        return ref.primitive(np.sum, (lambda g, ans, x, axis, keepdims: np.broadcast_to(g, x.shape),),
                             self, axis=axis, keepdims=keepdims)


class _ReluWithoutG(ref.Tensor):
    __slots__ = ()

    def relu(self):
        return ref.primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: 1.0 * (x > 0),), self)


class _ReluOneAtZero(ref.Tensor):
    __slots__ = ()

    def relu(self):
        return ref.primitive(lambda x: np.maximum(x, 0.0), (lambda g, ans, x: g * (x >= 0),), self)


class _TanhOfX(ref.Tensor):
    __slots__ = ()

    def tanh(self):
        return ref.primitive(np.tanh, (lambda g, ans, x: g * (1.0 - x * x),), self)


class _DivisionSign(ref.Tensor):
    __slots__ = ()

    def __truediv__(self, other):
        return ref.primitive(np.divide, (lambda g, ans, x, y: g / y, lambda g, ans, x, y: g * ans / y),
                             self, other)


def _backward_overwriting(output):
    """backward with `grads[parent] = contribution`: the last contribution wins."""
    order = _topological(output)
    grads = {output: np.ones_like(output.data)}
    for node in reversed(order):
        node.grad = np.asarray(grads[node])
        for parent, vjp in node.parents:
            grads[parent] = vjp(node.grad)


def _backward_recursive(output):
    """The reference's backward with a recursive topological sort."""
    order = _topological(output, recursive=True)
    grads = {output: np.ones_like(output.data)}
    for node in reversed(order):
        node.grad = np.asarray(grads.pop(node))
        for parent, vjp in node.parents:
            grads[parent] = grads[parent] + vjp(node.grad) if parent in grads else vjp(node.grad)


def _backward_every_path(output):
    """backward that carries each contribution down every path, one at a time."""
    order = _topological(output)
    for node in order:
        node.grad = np.zeros_like(node.data)
    stack = [(output, np.ones_like(output.data))]
    while stack:
        node, g = stack.pop()
        node.grad = node.grad + g
        for parent, vjp in node.parents:
            stack.append((parent, vjp(g)))


def _backward_accumulating(output):
    """The reference's backward, adding to what an earlier call left in `.grad`."""
    previous = {id(n): n.grad for n in _topological(output)}
    ref.backward(output)
    for node in _topological(output):
        if previous[id(node)] is not None:
            node.grad = node.grad + previous[id(node)]


def _backward_breadth_first(output):
    """backward that hands a node's gradient on as soon as the node is first dequeued."""
    grads, queue, seen = {output: np.ones_like(output.data)}, [output], {output}
    while queue:
        node = queue.pop(0)
        node.grad = np.asarray(grads[node])
        for parent, vjp in node.parents:
            grads[parent] = grads[parent] + vjp(node.grad) if parent in grads else vjp(node.grad)
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)


def _backward_in_place(output):
    """backward that adds into the first contribution in place, which may be another
    node's gradient (a VJP that returns g itself)."""
    order = _topological(output)
    for node in order:
        node.grad = None
    output.grad = np.ones_like(output.data)
    for node in reversed(order):
        for parent, vjp in node.parents:
            contribution = vjp(node.grad)
            if parent.grad is None:
                parent.grad = contribution
            else:
                parent.grad += contribution


def _topological(output, recursive: bool = False) -> list:
    """The nodes, parents before children: by an explicit stack, or by recursion (which
    fails on deep graphs)."""
    order, seen = [], {output}
    if recursive:
        def visit(node):
            for parent, _vjp in node.parents:
                if parent not in seen:
                    seen.add(parent)
                    visit(parent)
            order.append(node)
        visit(output)
        return order
    stack = [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for parent, _vjp in parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _made_up_losses(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    """Losses that fall as training should, without training."""
    return [float(v) for v in np.linspace(0.7, 0.05, steps)]


def _accumulated_updates(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    """Training whose backward adds to the gradients of the previous steps."""
    return with_globals(ref.fit_mlp, {"backward": _backward_accumulating})(X, y, hidden, steps, lr, seed)[1]


def _ascending(X, y, hidden=16, steps=500, lr=0.1, seed=0):
    return ref.train_mlp(X, y, hidden, steps, -lr, seed)


#: Survivors of `autograder audit` that are right answers: (a piece of the changed line, why).
ACCEPTED_MUTANTS = {
    "train_mlp": (('"W2": Tensor(rng.normal(scale=0.1, size=hidden)), "b2": Tensor(0.0)',
                   "the initial weights are the student's choice: the contract fixes what the losses "
                   "are and that each step is a gradient-descent step, not where training starts"),),
}


MISTAKES = {
    "Tensor": (
        Mistake(BROADCASTING, _variant("NotUnbroadcast", primitive=_primitive_with(unbroadcast=lambda G, shape: G))),
        Mistake(MATMUL, _matmul_without(left=True, right=False)),
        Mistake(MATMUL, _matmul_without(left=False, right=True)),
        Mistake(MATMUL, _matmul_without(left=True, right=True)),
        Mistake(KEEPDIMS, _SumNotExpanded),
        Mistake("the relu VJP must multiply g by the step (x > 0): g * (x > 0)", _ReluWithoutG),
        Mistake("relu's VJP at 0 is 0 in this course (relu'(0) = 0, as in chapter 04, PyTorch and "
                "JAX): g * (x > 0), not g * (x >= 0)", _ReluOneAtZero),
        Mistake("the tanh VJP used x for tanh(x): it is g * (1 - tanh(x)**2)", _TanhOfX),
        Mistake("the division VJP for the denominator has the wrong sign: d(x / y)/dy = -x / y**2",
                _DivisionSign),
        Mistake("a tensor used twice in one operation (x * x) was recorded once: keep both "
                "(parent, vjp) pairs, its gradient is the sum of both",
                _variant("ParentsOnce", primitive=_parents_once)),
    ),
    "backward": (
        Mistake("a gradient was overwritten instead of accumulated: a tensor reached along several "
                "paths (or used twice) gets the sum of the contributions", _backward_overwriting),
        Mistake("a node passed its gradient on before every contribution to it had arrived: visit "
                "the nodes in reverse topological order", _backward_breadth_first),
        Mistake("backward recursed deeper than Python allows", _backward_recursive),
        Mistake("backward called the graph's vector-Jacobian products", _backward_every_path),
        Mistake("the gradients were accumulated across calls", _backward_accumulating),
        Mistake("an in-place += changed a gradient array that another node shares (a VJP may "
                "return g itself): add into a new array", _backward_in_place),
    ),
    "train_mlp": (
        Mistake(DESCENT, _ascending),
        Mistake(NOT_DESCENT, _made_up_losses),
        Mistake(NOT_DESCENT, _accumulated_updates),
    ),
}
