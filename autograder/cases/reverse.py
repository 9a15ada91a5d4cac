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
* `grad`: the catalogue's reverse-ready functions of several numbers (`REVERSE`).

The same programs run locally on the reference's `Var` and on the mistakes below, so a
wrong answer is compared with, and named by, what each typical mistake would return.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from adcourse.diagnostics import Mistake
from adcourse.functions import (BACKWARD_PROGRAM, BINARY_PROGRAM, ELEMENTARY_PROGRAM, OPERATION_PROGRAM,
                                REVERSE)
from autograder.cases import derived_seed, generator, ours
from autograder.checking import Case, Unacceptable
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
    return "the same Var" if spec == "same" else f"{spec:.6g}"


@dataclass(frozen=True)
class Operation:
    """`a op b` (or -a): the operands are numbers or ("var", value), b may be "same"."""

    op: str
    a: object
    b: object = None

    def __repr__(self):
        text = f"-{_show(self.a)}" if self.op == "neg" else f"{_show(self.a)} {self.op} {_show(self.b)}"
        return f"{text}, read as [value, grad, d/d each Var operand]"


@dataclass(frozen=True)
class Graph:
    """A graph of the catalogue (`adcourse.functions.GRAPHS`) and how often backward runs."""

    kind: str
    size: int = 0
    seed: int = 0
    calls: int = 1

    def __repr__(self):
        text = {"random": f"a random graph of {self.size} operations (seed {self.seed})",
                "reused": "x*x + x, squared (x used three times)",
                "chain": f"a chain of {self.size:,} operations",
                "doubling paths": f"v -> 0.5 v + 0.5 v repeated {self.size} times "
                                  f"({3 * self.size + 1} nodes, 2**{self.size} paths)",
                "table 3": "the trace of Table 3 (ln(x1) + x1 x2 - sin(x2) at (2, 5))"}[self.kind]
        twice = ", called twice" if self.calls == 2 else ""
        return f"<output of {text}{twice}>"


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
        return "the same Var"


def maximum_cases(seed: int) -> list[Case]:
    """Vars on either side and both, a number on either side, ties (two Vars, a Var and a
    number, a Var with itself), and two numbers."""
    rng = generator(seed)
    v = lambda x: _VarOperand(var(x))  # noqa: E731
    cases = []
    for _ in range(2):
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
        return Unacceptable(
            f"backward {exc}: it follows every path instead of visiting each node once. "
            f"This graph has {3 * graph.size + 1} nodes but 2**{graph.size} paths from the "
            "output to x. Put the nodes in topological order first (each node once), then "
            "let each node pass its gradient to its parents once, outputs before inputs.")
    if name == "TimeLimitExceeded":
        return Unacceptable(
            f"backward {exc}: its time must grow linearly with the number of nodes (does it "
            "follow every path, or look nodes up in a list where a set would do?)")
    if name == "RecursionError":
        return Unacceptable(
            f"backward raised RecursionError (recursion too deep) on a chain of {graph.size:,} "
            "operations: a recursive traversal calls itself once per level and exceeds "
            "Python's recursion limit. Collect the nodes with a loop and an explicit stack "
            "instead of recursion.")
    return None


def gradient_at(function, fn, point):
    """The harness of `grad`: grad(fn)(*point), as an array of the partial derivatives."""
    partials = function(fn)(*point)
    if not isinstance(partials, (tuple, list)):
        raise Unacceptable(f"returned {partials!r:.60}, not a tuple: grad(f)(x1, ..., xn) returns "
                           f"the tuple of the {len(point)} partial derivatives, one per argument")
    try:
        return np.array([float(p) for p in partials])
    except (TypeError, ValueError):
        raise Unacceptable(f"returned {partials!r:.100}: the partial derivatives must be numbers "
                           "(the inputs' .grad), not Vars") from None


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


CALLED_TWICE = ("backward called twice changed the gradients: each call must start the nodes "
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
}
