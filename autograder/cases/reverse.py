"""Hidden-test inputs, harnesses and typical mistakes of chapter 04_reverse.

A student's `Var`, elementary functions and `backward` live in their kernel. Each test
runs a program of the catalogue's reverse-ready section (`adcourse.functions`) there, in
one round trip (`autograder.sealed.in_kernel`), and reads back numbers:

* `Var` and the elementary functions: one operation on fresh Vars, read back as
  [value, grad, d result / d operand...], the partial derivatives summed over the paths
  of the little graph it recorded (no backward pass, so `Var` is graded alone);
* `backward`: a graph built with the student's constructor alone (each local derivative
  given), then the student's `backward`, then the gradients of chosen nodes: a random
  graph, a node used twice, Table 3, a chain 30,000 nodes deep, a graph with 2**60 paths,
  and `backward` called twice;
* `grad`: the catalogue's reverse-ready functions of several numbers (`REVERSE`);
* `train_scalar_mlp`: the student's function called in the kernel on lists (it uses the
  student's own `Var`, `tanh` and `backward` there), its parameters and losses read back,
  and whether it left its inputs as they were.

The same programs run locally on the reference's `Var` and on the mistakes below, so a
wrong answer is compared with, and named by, what each typical mistake would return.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from adcourse.checking import not_data
from adcourse.diagnostics import Mistake
from adcourse.i18n import N_, _
from adcourse.functions import (BACKWARD_PROGRAM, BINARY_PROGRAM, ELEMENTARY_PROGRAM, OPERATION_PROGRAM,
                                REVERSE, TRAINING_PROGRAM)
from adcourse.remote import limited
from adcourse.tolerance import POLICIES
from autograder.cases import derived_seed, generator, ours
from autograder.checking import Case, CheckFailure, Unacceptable, _answers
from autograder.reference import reverse as ref
from autograder.sealed import in_kernel

#: Depth of the deep-graph test, and levels of the graph with 2**levels paths.
DEEP, LEVELS = 30_000, 60


def _ours(function) -> bool:
    return ours(function, ref.__name__, __name__)


# --- how operands and graphs are shown in messages ---------------------------------------

def _show(spec) -> str:
    if isinstance(spec, tuple):
        return f"Var({spec[1]:.6g})"
    return _("the same Var") if spec == "same" else f"{spec:.6g}"


@dataclass(frozen=True)
class Operation:
    """`a op b` (or -a): the operands are numbers or ("var", value), b may be "same"."""

    op: str
    a: object
    b: object = None

    def __repr__(self):
        text = f"-{_show(self.a)}" if self.op == "neg" else f"{_show(self.a)} {self.op} {_show(self.b)}"
        return _("{operation}, read as [value, grad, d/d each Var operand]").format(operation=text)


@dataclass(frozen=True)
class Graph:
    """A graph of the catalogue (`adcourse.functions.GRAPHS`) and how often backward runs."""

    kind: str
    size: int = 0
    seed: int = 0
    calls: int = 1

    def __repr__(self):
        if self.kind == "random":
            text = _("a random graph of {count} operations (seed {seed})").format(count=self.size, seed=self.seed)
        elif self.kind == "reused":
            text = _("x*x + x, squared (x used three times)")
        elif self.kind == "chain":
            text = _("a chain of {count} operations").format(count=f"{self.size:,}")
        elif self.kind == "doubling paths":
            text = _("v -> 0.5 v + 0.5 v repeated {count} times ({nodes} nodes, 2**{count} paths)").format(
                count=self.size, nodes=3 * self.size + 1)
        else:
            text = {"table 3": _("the trace of Table 3 (ln(x1) + x1 x2 - sin(x2) at (2, 5))")}[self.kind]
        if self.calls == 2:
            return _("<output of {graph}, called twice>").format(graph=text)
        return _("<output of {graph}>").format(graph=text)


# --- harnesses ------------------------------------------------------------------------------

def var_program(var_class, operation: Operation):
    """The harness of `Var`: one operation with operands of `var_class`, read back."""
    return in_kernel(OPERATION_PROGRAM, var_class)((var_class, operation.op, operation.a, operation.b))


def on_var(student_var):
    """The harness of the elementary functions: f(Var(x)) with the Var class that goes
    with the function (the student's for the student's function), read back."""
    def harness(function, x):
        var_class = ref.Var if _ours(function) else student_var
        return in_kernel(ELEMENTARY_PROGRAM, function)((var_class, function, x))
    return harness


def on_two_vars(student_var):
    """The harness of `maximum`: function(a, b) with the Var class that goes with the
    function (the student's for the student's), read back without a backward pass."""
    def harness(function, a, b):
        var_class = ref.Var if _ours(function) else student_var
        plain = [tuple(v) if isinstance(v, tuple) else str(v) if isinstance(v, str) else v for v in (a, b)]
        return in_kernel(BINARY_PROGRAM, function)((var_class, function, *plain))  # data only crosses
    return harness


class _VarOperand(tuple):
    """("var", value), shown in messages as Var(value)."""

    def __repr__(self):
        return f"Var({self[1]:.6g})"


class _Same(str):
    def __repr__(self):
        return _("the same Var")


def maximum_cases(seed: int) -> list[Case]:
    """Vars on either side and both, a number on either side, ties (two Vars, a Var and a
    number, a Var with itself), and two numbers."""
    rng = generator(seed)
    v = lambda x: _VarOperand(var(x))  # noqa: E731
    cases = []
    for _unused in range(2):
        a, b = rng.uniform(-2, 2, size=2)
        cases += [Case((v(a), v(b))), Case((v(b), v(a))), Case((v(a), float(b))), Case((float(a), v(b)))]
    t = float(rng.uniform(-2, 2))
    cases += [Case((v(t), v(t))), Case((v(t), t)), Case((t, v(t))), Case((v(t), _Same("same"))),
              Case((float(rng.uniform(-2, 2)), float(rng.uniform(-2, 2))))]
    return cases


def on_graph(student_var):
    """The harness of `backward`: the graph built with the student's Var constructor (the
    reference's for ours), backward called on its output, the gradients read back. A time
    limit or a recursion error is explained in terms of the graph."""
    def harness(function, graph: Graph):
        var_class = ref.Var if _ours(function) else student_var
        run = in_kernel(BACKWARD_PROGRAM, function)
        try:
            return run((var_class, function, graph.kind, graph.size, graph.seed, graph.calls))
        except BaseException as exc:  # noqa: BLE001 (two errors are explained, the rest go on)
            explained = _explained(exc, graph)
            if explained is None:
                raise
            raise explained from None
    return harness


def _explained(exc: BaseException, graph: Graph) -> Unacceptable | None:
    name = getattr(exc, "ename", type(exc).__name__)
    if name == "TimeLimitExceeded" and graph.kind == "doubling paths":
        return Unacceptable(_(
            "backward {error}: it follows every path instead of visiting each node once. "
            "This graph has {nodes} nodes but 2**{levels} paths from the "
            "output to x. Put the nodes in topological order first (each node once), then "
            "let each node pass its gradient to its parents once, outputs before inputs.").format(
                error=exc, nodes=3 * graph.size + 1, levels=graph.size))
    if name == "TimeLimitExceeded":
        return Unacceptable(_(
            "backward {error}: its time must grow linearly with the number of nodes (does it "
            "follow every path, or look nodes up in a list where a set would do?)").format(error=exc))
    if name == "RecursionError":
        return Unacceptable(_(
            "backward raised RecursionError (recursion too deep) on a chain of {count} "
            "operations: a recursive traversal calls itself once per level and exceeds "
            "Python's recursion limit. Collect the nodes with a loop and an explicit stack "
            "instead of recursion.").format(count=f"{graph.size:,}"))
    return None


def gradient_at(function, fn, point):
    """The harness of `grad`: grad(fn)(*point), as an array of the partial derivatives."""
    partials = function(fn)(*point)
    if not isinstance(partials, (tuple, list)):
        raise Unacceptable(_("returned {value}, not a tuple: grad(f)(x1, ..., xn) returns the tuple of "
                             "the {count} partial derivatives, one per argument").format(
                                 value=f"{partials!r:.60}", count=len(point)))
    try:
        return np.array([float(p) for p in partials])
    except (TypeError, ValueError):
        raise Unacceptable(_("returned {value}: the partial derivatives must be numbers (the inputs' "
                             ".grad), not Vars").format(value=f"{partials!r:.100}")) from None


# --- cases ----------------------------------------------------------------------------------

def var(value: float) -> tuple:
    return ("var", float(value))


def var_cases(seed: int) -> list[Case]:
    """Every operation, with Vars and numbers on either side and a Var used twice."""
    rng = generator(seed)
    u = lambda: float(rng.uniform(0.5, 2.0))  # noqa: E731
    cases = []
    for op in ("+", "-", "*", "/"):
        cases += [Case((Operation(op, var(u()), var(u())),)), Case((Operation(op, var(u()), u()),)),
                  Case((Operation(op, u(), var(u())),)), Case((Operation(op, var(u()), "same"),))]
    cases += [Case((Operation("**", var(u()), p),)) for p in (3.0, 2, 2.5, -1.0)]
    # a negative base and a number exponent: the power rule n v**(n-1), defined there
    cases += [Case((Operation("**", var(-u()), p),)) for p in (3.0, 2.0, -1.0)]
    cases += [Case((Operation("**", u(), var(u())),)), Case((Operation("**", 2.0, var(u())),)),
              Case((Operation("**", var(u()), var(u())),)), Case((Operation("**", var(u()), "same"),)),
              Case((Operation("neg", var(u())),)), Case((Operation("neg", var(-u())),))]
    return cases


FUNCTIONS = ("sin", "cos", "exp", "log", "tanh", "relu")
#: Where each elementary function is evaluated.
DOMAINS = {"sin": (-3.0, 3.0), "cos": (-3.0, 3.0), "exp": (-2.0, 2.0), "log": (0.2, 4.0),
           "tanh": (-2.0, 2.0), "relu": (-2.0, 2.0)}


def elementary_cases(name: str, seed: int) -> list[Case]:
    """Vars and floats inside the domain; relu also at its kink, 0."""
    rng = generator(seed)
    lo, hi = DOMAINS[name]
    cases = [Case((var(rng.uniform(lo, hi)),)) for _ in range(4)]
    cases += [Case((float(rng.uniform(lo, hi)),)) for _ in range(2)]
    if name == "relu":
        cases += [Case((var(0.0),)), Case((var(-0.5),)), Case((var(0.5),)), Case((var(1.5),)), Case((0.0,)),
                  Case((-1.0,))]
    return cases


def backward_cases(seed: int) -> list[Case]:
    """The graph with 2**60 paths first (its message matters most when it fails), random
    graphs, a node used three times, Table 3, a deep chain, and backward called twice."""
    seed = derived_seed(seed) % 10_000  # the graphs' values stay moderate
    graphs = [Graph("doubling paths", LEVELS, seed)]
    graphs += [Graph("random", size, seed + i) for i, size in enumerate((4, 10, 16, 22, 25))]
    graphs += [Graph("reused", 0, seed), Graph("table 3"), Graph("chain", DEEP, seed),
               Graph("random", 15, seed + 10, calls=2), Graph("table 3", calls=2)]
    return [Case((g,)) for g in graphs]


def grad_cases(seed: int) -> list[Case]:
    """Every reverse-ready function of the catalogue at two random points of its domain."""
    rng = generator(seed)
    return [Case((fn, tuple(float(v) for v in rng.uniform(*fn.domain, fn.shape[1]))))
            for fn in REVERSE for _ in range(2)]


# --- train_scalar_mlp -------------------------------------------------------------------------

#: The exercise's defaults, and how many parameters its network has (3 hidden units).
DEFAULT_LR, DEFAULT_STEPS, PARAMETERS = 0.1, 20, 13


def _short(values) -> str:
    shown = ", ".join(f"{v:.3g}" for v in values[:3])
    return _("[{shown}, ... {count} values]").format(shown=shown, count=len(values)) if len(values) > 3 \
        else f"[{shown}]"


@dataclass(frozen=True)
class Training:
    """One call of train_scalar_mlp: params (13 floats), data ((x1, x2, y) triples), and lr
    and steps, each given or left to its default, by keyword or (both) by position."""

    params: tuple
    data: tuple
    lr: float | None = None
    steps: int | None = None
    positional: bool = False

    @property
    def count(self) -> int:
        """How many losses the call must return."""
        return DEFAULT_STEPS if self.steps is None else self.steps

    def arguments(self) -> tuple[list, dict]:
        """(positional, keywords) after params and data."""
        if self.positional:
            return [self.lr, self.steps], {}
        given = {"lr": self.lr, "steps": self.steps}
        return [], {k: v for k, v in given.items() if v is not None}

    def __repr__(self):
        points = ", ".join(f"({x1:.3g}, {x2:.3g}, {y:.3g})" for x1, x2, y in self.data[:2])
        data = _("[{points} {count} points]").format(points=points + (", ..." if len(self.data) > 2 else ""),
                                                     count=len(self.data))
        positional, keywords = self.arguments()
        rest = [repr(v) for v in positional] + [f"{k}={v!r}" for k, v in keywords.items()]
        return _("{arguments}; read as the {parameters} final parameters, then the {count} losses").format(
            arguments=f"{_short(self.params)}, {data}{''.join(', ' + r for r in rest)}",
            parameters=PARAMETERS, count=self.count)


def _floats(value, what: str, size: int) -> np.ndarray:
    found = not_data(value)
    if found is not None:
        raise Unacceptable(_("{what} holds {found}: it must hold floats (for a Var, its .value)").format(
            what=what, found=found))
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise Unacceptable(_("{what} is {value}, not a list of {count} floats").format(
            what=what, value=f"{value!r:.60}", count=size))
    numbers = []
    for v in value:
        try:
            numbers.append(float(v))
        except (TypeError, ValueError):
            raise Unacceptable(_("{what} holds {found}: it must hold floats (for a Var, its .value)").format(
                what=what, found=f"{v!r:.60}")) from None
    array = np.array(numbers, dtype=float)
    if array.size != size:
        raise Unacceptable(_("{what} has {count} entries, not {size}").format(what=what, count=array.size,
                                                                             size=size))
    return array


def training(function, run: Training) -> np.ndarray:
    """The harness of `train_scalar_mlp`: the call in the kernel (the reference's here), its
    inputs checked afterwards, its answer read as [13 final params..., losses...]."""
    positional, keywords = run.arguments()
    answer, params_kept, data_kept, backward_calls = in_kernel(TRAINING_PROGRAM, function)(
        (function, list(run.params), [list(point) for point in run.data], positional, keywords,
         not _ours(function)))
    if backward_calls is not None and backward_calls != run.count:
        message = (_("called backward {count} times for steps={steps}: each step builds the loss with Vars "
                     "and your tanh and calls your backward once (loss.backward() counts too), then moves "
                     "every parameter with the gradients of that one pass") if backward_calls != 1 else
                   _("called backward {count} time for steps={steps}: each step builds the loss with Vars "
                     "and your tanh and calls your backward once (loss.backward() counts too), then moves "
                     "every parameter with the gradients of that one pass"))
        raise Unacceptable(message.format(count=backward_calls, steps=run.count))
    if not params_kept:
        raise Unacceptable(_("modified params, its argument 1, in place: the function must leave "
                             "it as it was (make new lists of floats, or Vars, for the steps)"))
    if not data_kept:
        raise Unacceptable(_("modified data, its argument 2, in place: the function must leave it "
                             "as it was"))
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Unacceptable(_("returned {value}, not a pair (final_params, losses)").format(
            value=f"{answer!r:.80}"))
    final = _floats(answer[0], _("final_params (the first item returned)"), PARAMETERS)
    count = run.count
    if isinstance(answer[1], (list, tuple, np.ndarray)) and len(answer[1]) != count:
        message = (_("returned {returned} losses for steps={steps} (the default when steps is not given): "
                     "one loss per step, each computed before its step") if run.steps is None else
                   _("returned {returned} losses for steps={steps}: one loss per step, each computed "
                     "before its step"))
        raise Unacceptable(message.format(returned=len(answer[1]), steps=count))
    losses = _floats(answer[1], _("losses (the second item returned)"), count)
    return np.concatenate([final, losses])


def _network(rng) -> tuple:
    return tuple(float(p) for p in rng.normal(scale=0.8, size=PARAMETERS))


def _points(rng, n: int) -> tuple:
    return tuple((float(x1), float(x2), float(y)) for x1, x2, y in
                 zip(rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, n), rng.uniform(-1.0, 1.0, n)))


def training_cases(seed: int) -> list[Case]:
    """Random networks, data and rates for a few steps, one data point, one step and none,
    lr and steps by position, and calls that leave lr, steps or both to their defaults."""
    rng = generator(seed)

    def run(n, **kwargs):
        return Case((Training(_network(rng), _points(rng, n), **kwargs),))

    rate = lambda: round(float(rng.uniform(0.05, 0.4)), 3)  # noqa: E731
    return [run(4, lr=rate(), steps=3), run(5, lr=rate(), steps=4), run(3, lr=rate(), steps=2, positional=True),
            run(6, lr=rate(), steps=3), run(2, lr=rate(), steps=5), run(1, lr=rate(), steps=2),
            run(3, lr=rate(), steps=1), run(3, lr=rate(), steps=0),
            run(2), run(2, lr=rate()), run(3, steps=3)]


def check_defaults(function, seed: int, seconds: float = 5) -> None:
    """CheckFailure unless `function`, called without lr and steps, gives what it gives with
    lr=0.1 and steps=20 written out (to the last bits: it is the same computation); at most
    `seconds` per call, and no call after one that ran out of time or failed (an error is
    for the comparison with the reference to report)."""
    function = function.within(seconds) if hasattr(function, "within") else limited(function, seconds)
    rng = generator(seed)
    implicit = [Training(_network(rng), _points(rng, 2)) for _ in range(2)]
    run = lambda t: training(function, t)  # noqa: E731
    failures = []
    for t in implicit:
        (without,) = _answers(run, [Case((t,))])
        if isinstance(without, BaseException):
            break
        (written,) = _answers(run, [Case((Training(t.params, t.data, DEFAULT_LR, DEFAULT_STEPS),))])
        if isinstance(written, BaseException):
            break
        if not POLICIES["same_value"].close(without[0], written[0]).all():
            failures.append(_("{call}: called without lr and steps it gives other parameters and losses "
                              "than with lr={lr}, steps={steps} written out: the defaults must be lr={lr} "
                              "and steps={steps}, as the exercise states").format(
                                  call=f"train_scalar_mlp({t!r})", lr=f"{DEFAULT_LR:g}", steps=DEFAULT_STEPS))
    if failures:
        raise CheckFailure(_("{failed} of {total} test cases of `{name}` failed.").format(
            failed=len(failures), total=len(implicit), name="train_scalar_mlp") + "\n\n" + "\n\n".join(failures))


# --- typical mistakes -------------------------------------------------------------------------

class _ProductOwnValue(ref.Var):
    def __mul__(self, other):
        if isinstance(other, ref.Var):
            return ref.Var(self.value * other.value, ((self, self.value), (other, other.value)))
        return ref.Var.__mul__(self, other)


class _ReflectedDivisionSign(ref.Var):
    def __rtruediv__(self, other):
        return ref.Var(other / self.value, ((self, other / self.value ** 2),))


class _GeneralPowerForNumbers(ref.Var):
    """v ** n computed as exp(n log v): nan for a negative v, where v**n and n v**(n-1) exist."""

    def __pow__(self, other):
        if isinstance(other, ref.Var):
            return ref.Var.__pow__(self, other)
        power = np.exp(other * np.log(self.value))
        return ref.Var(power, ((self, other * power / self.value),))


class _PowerNotLowered(ref.Var):
    def __pow__(self, other):
        if isinstance(other, ref.Var):
            return ref.Var.__pow__(self, other)
        return ref.Var(self.value ** other, ((self, other * self.value ** other),))


class _ExponentialWithoutLog(ref.Var):
    def __rpow__(self, other):
        power = other ** self.value
        return ref.Var(power, ((self, power),))


def _relu_one_at_zero(x):
    if isinstance(x, ref.Var):
        return ref.Var(max(x.value, 0.0), ((x, 1.0 if x.value >= 0 else 0.0),))
    return ref.relu(x)


def _cos_sign_lost(x):
    if isinstance(x, ref.Var):
        return ref.Var(np.cos(x.value), ((x, np.sin(x.value)),))
    return ref.cos(x)


def _tanh_of_input(x):
    if isinstance(x, ref.Var):
        return ref.Var(np.tanh(x.value), ((x, 1.0 - x.value ** 2),))
    return ref.tanh(x)


def _topological_order(output):
    """The reference's order, for the mistakes that get the rest wrong."""
    order, visited, stack = [], set(), [(output, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node.parents if id(p) not in visited)
    return order


def _overwritten(output):
    order = _topological_order(output)
    for node in order:
        node.grad = 0.0
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad = node.grad * local


def _never_reset(output):
    output.grad = 1.0
    for node in reversed(_topological_order(output)):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def _added_to_the_last_call(output):
    """Gradients that accumulate over calls (as PyTorch's leaves do), output.grad set to 1."""
    before = {id(node): node.grad for node in _topological_order(output)}
    ref.backward(output)
    for node in _topological_order(output):
        if node is not output:
            node.grad += before[id(node)]


def _breadth_first(output):
    """Each node once, but in the order first reached from the output."""
    for node in _topological_order(output):
        node.grad = 0.0
    output.grad = 1.0
    queue, seen = deque([output]), {id(output)}
    while queue:
        node = queue.popleft()
        for parent, local in node.parents:
            parent.grad += node.grad * local
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)


def _inputs_first(output):
    """Each node once, in topological order but not reversed: inputs before outputs."""
    order = _topological_order(output)
    for node in order:
        node.grad = 0.0
    output.grad = 1.0
    for node in order:
        for parent, local in node.parents:
            parent.grad += node.grad * local


def _unseeded(output):
    for node in _topological_order(output):
        node.grad = 0.0
    for node in reversed(_topological_order(output)):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def _reversed_partials(f):
    def gradient(*args):
        return tuple(reversed(ref.grad(f)(*args)))
    return gradient


def _maximum_with(a, b, local):
    """max(a, b) recording local(a_value, b_value) -> (d/da, d/db)."""
    av = a.value if isinstance(a, ref.Var) else a
    bv = b.value if isinstance(b, ref.Var) else b
    if not isinstance(a, ref.Var) and not isinstance(b, ref.Var):
        return max(av, bv)
    da, db = local(av, bv)
    return ref.Var(max(av, bv), tuple((x, d) for x, d in ((a, da), (b, db)) if isinstance(x, ref.Var)))


def _maximum_tie_to_first(a, b):
    return _maximum_with(a, b, lambda x, y: (1.0 if x >= y else 0.0, 1.0 if y > x else 0.0))


def _maximum_to_both(a, b):
    return _maximum_with(a, b, lambda x, y: (1.0, 1.0))


def _maximum_to_smaller(a, b):
    return _maximum_with(a, b, lambda x, y: (0.5, 0.5) if x == y else (float(x < y), float(y < x)))


# The typical mistakes of train_scalar_mlp, as variants of one trainer written with the
# reference's Var. `order` is where each parameter of the exercise's order is read from.
_ORDERS = {
    "rows": tuple(range(PARAMETERS)),
    # micrograd's order, neuron by neuron: w_j1, w_j2, b_j for each hidden unit, then v, c
    "neurons": (0, 1, 3, 4, 6, 7, 2, 5, 8, 9, 10, 11, 12),
    # the hidden weights as a 2 x 3 matrix W (x W), row by row: w_11, w_21, w_31, w_12, ...
    "columns": (0, 3, 1, 4, 2, 5, 6, 7, 8, 9, 10, 11, 12),
}


def _mlp_loss(nodes, data, order="rows", mean=True, tanh_output=False):
    w, b, v, c = ([nodes[i] for i in _ORDERS[order][k:k + n]] for k, n in ((0, 6), (6, 3), (9, 3), (12, 1)))
    total = 0.0
    for x1, x2, y in data:
        out = c[0]
        for j in range(3):
            out = out + v[j] * ref.tanh(w[2 * j] * x1 + w[2 * j + 1] * x2 + b[j])
        if tanh_output:
            out = ref.tanh(out)
        total = total + (out - y) ** 2
    return total / len(data) if mean else total


def _trainer(order="rows", mean=True, tanh_output=False, sign=-1.0, accumulate=False, after=False,
             per_point=False):
    def train(params, data, lr=0.1, steps=20):
        params, losses = [float(p) for p in params], []
        running = [0.0] * len(params)
        for _unused in range(steps):
            if per_point:  # one update per data point, the losses met on the way averaged
                seen = 0.0
                for point in data:
                    nodes = [ref.Var(p) for p in params]
                    loss = _mlp_loss(nodes, [point], order, mean, tanh_output)
                    ref.backward(loss)
                    seen += float(loss.value)
                    params = [float(p.value + sign * lr * p.grad) for p in nodes]
                losses.append(seen / len(data))
                continue
            nodes = [ref.Var(p) for p in params]
            loss = _mlp_loss(nodes, data, order, mean, tanh_output)
            ref.backward(loss)
            losses.append(float(loss.value))
            running = [r + p.grad if accumulate else p.grad for r, p in zip(running, nodes)]
            params = [float(p.value + sign * lr * g) for p, g in zip(nodes, running)]
        if after and steps:
            final = _mlp_loss([ref.Var(p) for p in params], data, order, mean, tanh_output)
            losses = losses[1:] + [float(final.value)]
        return params, losses
    return train


CALLED_TWICE = N_("backward called twice changed the gradients: each call must start the nodes "
                "it reaches from 0 (set their .grad = 0.0, then output.grad = 1.0), so that "
                "the second call gives the same gradients as the first")

MISTAKES = {
    "Var": (
        Mistake("the product rule: d(a b)/da is b, the other factor (record (a, b.value) and "
                "(b, a.value)), not a", _ProductOwnValue),
        Mistake("number / Var has the wrong sign: d(c / v)/dv = -c / v**2 (the quotient rule "
                "on the reflected side, __rtruediv__)", _ReflectedDivisionSign),
        Mistake("the power rule kept the exponent: d(v**n)/dv = n v**(n-1)", _PowerNotLowered),
        Mistake("v ** n went through exp(n log v), which is nan for v < 0: v**n and its local "
                "derivative n v**(n-1) are defined for every v (the general rule is for a Var "
                "exponent)", _GeneralPowerForNumbers),
        Mistake("number ** Var lost the factor log(number): d(c**v)/dv = c**v log(c)",
                _ExponentialWithoutLog),
    ),
    "relu": (
        Mistake("relu'(0) is 0 in this course (as in PyTorch and JAX; any value in [0, 1] is "
                "a subgradient, chapter 7), but 1 was recorded at x = 0: use x.value > 0",
                _relu_one_at_zero),
    ),
    "cos": (Mistake("the sign was lost: d cos(x)/dx = -sin(x)", _cos_sign_lost),),
    "tanh": (Mistake("d tanh(x)/dx = 1 - tanh(x)**2, with tanh(x), not x, squared", _tanh_of_input),),
    "backward": (
        # First: an answer in the wrong order can look like an overwrite on one graph.
        Mistake("the nodes were not processed in reverse topological order: a node passed its "
                "gradient on before every node that uses it had added its share (sort the "
                "nodes topologically first, then go through them from the output back)",
                _breadth_first),
        Mistake("the nodes were processed in topological order, inputs first: go through it "
                "reversed, from the output back, so that a node passes its gradient on after "
                "every node that uses it has added its share", _inputs_first),
        Mistake("a node reached along several paths kept only the last contribution: its "
                "gradient was overwritten instead of accumulated (parent.grad += "
                "node.grad * local)", _overwritten),
        Mistake(CALLED_TWICE, _never_reset),
        Mistake(CALLED_TWICE, _added_to_the_last_call),
        Mistake("output.grad was not set to 1.0 (d output / d output) before passing the "
                "gradients back, so every gradient is 0", _unseeded),
    ),
    "maximum": (
        Mistake("at a tie the gradient was routed to one operand; the exercise splits it, 1/2 "
                "each (as torch.maximum and jnp.maximum do)", _maximum_tie_to_first),
        Mistake("both operands got the gradient: max routes it to the larger one only (local "
                "derivative 1 there, 0 for the other)", _maximum_to_both),
        Mistake("the gradient went to the smaller operand: max routes it to the larger one",
                _maximum_to_smaller),
    ),
    "grad": (
        Mistake("the partial derivatives are in the wrong order: the i-th is df/dx_i, for "
                "the i-th positional argument", _reversed_partials),
    ),
    "train_scalar_mlp": (
        Mistake("the gradients of earlier steps were added into each step's: a step moves the "
                "parameters by lr times the gradient at the current parameters only (fresh Vars "
                "at each step, and no running sum of gradients kept from one step to the next)",
                _trainer(accumulate=True)),
        Mistake("the parameters went up the gradient (p + lr dL/dp): gradient descent subtracts "
                "it, p <- p - lr * dL/dp", _trainer(sign=1.0)),
        Mistake("the loss is the sum of (out - y)**2 over the data; the exercise's loss is their "
                "mean (divide the sum by the number of points)", _trainer(mean=False)),
        Mistake("each loss was recorded after its step: losses[k] is the loss at the parameters "
                "before step k (the first is the loss at params itself)", _trainer(after=True)),
        Mistake("the parameters were updated after each data point (stochastic gradient "
                "descent): a step is one update, with the gradient of the mean loss over all "
                "the data", _trainer(per_point=True)),
        Mistake("tanh was applied to the output: the output unit is linear, out = v_1 h_1 + "
                "v_2 h_2 + v_3 h_3 + c", _trainer(tanh_output=True)),
        Mistake("the parameters were read neuron by neuron (w_j1, w_j2, b_j for each hidden unit, "
                "as micrograd lists them): "
                "params is [w_11, w_12, w_21, w_22, w_31, w_32, b_1, b_2, b_3, v_1, v_2, v_3, c]: "
                "the six hidden weights first, the two of each hidden unit together, then the "
                "three hidden biases, the three output weights and c", _trainer(order="neurons")),
        Mistake("the hidden weights were read as a 2 x 3 matrix W (x W), row by row (w_11, w_21, "
                "w_31, w_12, ...): "
                "params is [w_11, w_12, w_21, w_22, w_31, w_32, b_1, b_2, b_3, v_1, v_2, v_3, c]: "
                "the six hidden weights first, the two of each hidden unit together, then the "
                "three hidden biases, the three output weights and c", _trainer(order="columns")),
    ),
}
