"""Chapter 08's small engines: second derivatives and the memory of reverse mode.

`Dual(value, tangent)` is a scalar dual number, value + tangent * eps with eps^2 = 0.
`Var(value)` is a node of reverse mode whose value may be a float or a `Dual`: its
`backward()` sums, into every node's `grad`, the partial derivatives of the output with
respect to that node, and when the inputs carry dual numbers those sums are dual numbers
too. With x_i = Var(Dual(x_i, v_i)) one reverse pass gives in each grad's tangent
(H(x) v)_i: forward over reverse.

The elementary functions `sin`, `cos`, `exp`, `log` and `tanh` take floats, Duals and
Vars alike, so one function f written with them runs on any of the three.

The recurrence of the memory section, x_(k+1) = step(x_k), is `recurrence_step` with its
vector-Jacobian product `recurrence_vjp`; `full_tape_grad` differentiates it keeping
every state, as reverse mode's tape does. `CountedRecurrence` is the same recurrence
counting its steps and the states alive (the hidden tests and the explorer use it);
`logistic_loss` is chapter 05's loss with a ridge term, for Newton's method;
`revolve_cost` and `binomial_cost` are the cost of binomial checkpointing (revolve), by
dynamic programming and by Griewank's formula.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from .i18n import _

__all__ = ["CountedRecurrence", "Dual", "Var", "alive_timeline", "binomial_cost", "checkpoint_explorer", "cos", "exp",
           "full_tape_grad", "log", "logistic_loss", "recurrence_start", "recurrence_step", "recurrence_vjp", "render_timeline",
           "revolve_cost", "sin", "tanh", "tangent_of", "value_of"]


class Dual:
    """value + tangent * eps, eps^2 = 0, for numbers value and tangent."""

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = float(value), float(tangent)

    def __repr__(self):
        return f"Dual({self.value!r}, {self.tangent!r})"

    def __add__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.tangent + other.tangent)
        if isinstance(other, (int, float)):
            return Dual(self.value + other, self.tangent)
        return NotImplemented

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __sub__(self, other):
        return self + (-other) if isinstance(other, (Dual, int, float)) else NotImplemented

    def __rsub__(self, other):
        return (-self) + other if isinstance(other, (int, float)) else NotImplemented

    def __mul__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value * other.value, self.value * other.tangent + self.tangent * other.value)
        if isinstance(other, (int, float)):
            return Dual(self.value * other, self.tangent * other)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value / other.value,
                        (self.tangent * other.value - self.value * other.tangent) / other.value ** 2)
        if isinstance(other, (int, float)):
            return Dual(self.value / other, self.tangent / other)
        return NotImplemented

    def __rtruediv__(self, other):
        return Dual(other, 0.0) / self if isinstance(other, (int, float)) else NotImplemented

    def __pow__(self, p):
        if not isinstance(p, (int, float)):
            return NotImplemented
        return Dual(self.value ** p, p * self.value ** (p - 1) * self.tangent)


def value_of(a) -> float:
    """The value of a Dual, or the number itself."""
    return a.value if isinstance(a, Dual) else float(a)


def tangent_of(a) -> float:
    """The tangent of a Dual; 0.0 for a number (a constant)."""
    return a.tangent if isinstance(a, Dual) else 0.0


class Var:
    """A node of reverse mode: `value` (a float or a Dual), `grad` (filled by backward),
    and its parents with the local derivatives (floats or Duals) of this node's value."""

    __slots__ = ("value", "grad", "parents")

    def __init__(self, value, parents=()):
        self.value = value if isinstance(value, Dual) else float(value)
        self.grad = 0.0
        self.parents = tuple(parents)

    def __repr__(self):
        return f"Var({self.value!r}, grad={self.grad!r})"

    def _binary(self, other, value, d_self, d_other):
        return Var(value, ((self, d_self), (other, d_other)))

    def __add__(self, other):
        if isinstance(other, Var):
            return self._binary(other, self.value + other.value, 1.0, 1.0)
        return Var(self.value + other, ((self, 1.0),))

    __radd__ = __add__

    def __neg__(self):
        return Var(-self.value, ((self, -1.0),))

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, Var):
            return self._binary(other, self.value * other.value, other.value, self.value)
        return Var(self.value * other, ((self, other),))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Var):
            return self * other ** -1
        return self * (1.0 / other)

    def __rtruediv__(self, other):
        return other * self ** -1

    def __pow__(self, p):
        if isinstance(p, Var):
            raise TypeError(_("Var ** Var is not part of this engine: write exp(p * log(x))"))
        return Var(self.value ** p, ((self, p * self.value ** (p - 1)),))

    def backward(self):
        """Fill `grad` of every node this one depends on with d self / d node (seed 1.0),
        visiting each node once, in reverse topological order."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:  # depth-first, without recursion (deep graphs)
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent, _ in node.parents if id(parent) not in seen)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad = parent.grad + local * node.grad


def _elementary(name, on_number, derivative):
    """One function for floats, Duals and Vars: `on_number` on floats, the chain rule
    with `derivative` (itself elementary) on Duals and Vars."""
    def function(a):
        if isinstance(a, Var):
            return Var(function(a.value), ((a, derivative(a.value)),))
        if isinstance(a, Dual):
            return Dual(on_number(a.value), value_of(derivative(a.value)) * a.tangent)
        return on_number(float(a))
    function.__name__ = function.__qualname__ = name
    return function


sin = _elementary("sin", math.sin, lambda a: cos(a))
cos = _elementary("cos", math.cos, lambda a: -sin(a))
exp = _elementary("exp", math.exp, lambda a: exp(a))
log = _elementary("log", math.log, lambda a: 1.0 / a)
tanh = _elementary("tanh", math.tanh, lambda a: 1.0 - tanh(a) ** 2)


# --- the recurrence of the memory section ------------------------------------------------------

def recurrence_start(size: int = 4096, seed: int = 0) -> np.ndarray:
    """x_0: `size` floats (32 KiB for the default), so that its states dominate memory."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size)


def recurrence_step(x, a: float = 0.5):
    """x_(k+1) = x_k + 0.1 (1 + a sin(x_k)), a = 0.5, elementwise (a fresh array): Euler's
    method with step 0.1 on dx/dt = 1 + a sin(x). For 0 < a < 1 every step moves x
    forward, so the states never settle and the derivative along n steps, a product of
    factors 1 + 0.1 a cos(x_k), stays between about 0.3 and 3 for any n (a recurrence drawn
    to a fixed point would shrink it geometrically, below any tolerance a test can use).
    Other values of a give other recurrences of the same family."""
    return x + 0.1 * (1.0 + a * np.sin(x))


def recurrence_vjp(x, g, a: float = 0.5):
    """g^T d step / d x at x: g * (1 + 0.1 a cos(x)), elementwise (a fresh array)."""
    return g * (1.0 + 0.1 * a * np.cos(x))


def full_tape_grad(step, dstep, x0, n: int):
    """(grad, x_n) of the recurrence, keeping every state x_0..x_(n-1) (the tape), with
    grad the vector-Jacobian product of the chain applied to ones."""
    states = [x0]
    for _step in range(n):
        states.append(step(states[-1]))
    x_n = states.pop()
    g = np.ones_like(np.asarray(x_n, dtype=float)) if np.ndim(x_n) else 1.0
    while states:
        g = dstep(states.pop(), g)
    return g, x_n


def logistic_loss(X, y, w, ridge: float = 0.0) -> float:
    """Chapter 05's mean logistic loss plus ridge/2 ||w||^2, for labels y in {0, 1}:
    mean_i [log(1 + exp(x_i^T w)) - y_i x_i^T w] + ridge/2 ||w||^2 (log(1 + e^t) by
    np.logaddexp, so no exp overflows)."""
    X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))
    t = X @ w
    return float(np.mean(np.logaddexp(0.0, t) - y * t) + 0.5 * ridge * (w @ w))


class CountedRecurrence:
    """The chapter's recurrence (with `a`, see `recurrence_step`) as a step and a dstep
    that count: `steps` (calls of step),
    `alive` (the arrays step returned, and those passed to `born`, not yet freed, followed
    with weak references), `most` (the largest `alive` seen at a call of step or dstep)
    and, when `timeline` is true, `timeline` (`alive` at every call, in order, with "step"
    or "dstep"; off where memory is measured, since the list grows with every call)."""

    def __init__(self, timeline: bool = True, a: float = 0.5):
        self.alive = self.most = self.steps = 0
        self.a = a
        self.timeline: list[tuple[str, int]] | None = [] if timeline else None

    def born(self, x):
        """Follow the array x (a state) until it is freed; returns x."""
        if isinstance(x, np.ndarray):
            self.alive += 1
            weakref.finalize(x, self._died)
        return x

    def _died(self):
        self.alive -= 1

    def _seen(self, call):
        self.most = max(self.most, self.alive)
        if self.timeline is not None:
            self.timeline.append((call, self.alive))

    def step(self, x):
        self.steps += 1
        self._seen("step")
        return self.born(recurrence_step(x, self.a))

    def dstep(self, x, g):
        self._seen("dstep")
        return recurrence_vjp(x, g, self.a)


def alive_timeline(checkpointed_grad, n: int, every: int, size: int = 64):
    """(timeline, steps): the states alive at every call of step and dstep while
    `checkpointed_grad(step, dstep, x0, n, every)` runs, and the calls of step."""
    counted = CountedRecurrence()
    x0 = counted.born(recurrence_start(size))
    checkpointed_grad(counted.step, counted.dstep, x0, n, every)
    return [alive for _, alive in counted.timeline], counted.steps


def render_timeline(checkpointed_grad, n: int, every: int) -> bytes:
    """A PNG: the states alive along the computation for the full tape (every = 1) and
    for checkpoints every `every` steps, n steps."""
    import io

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    for label, k in ((_("full tape (every = 1)"), 1), (_("checkpoints every {every}").format(every=every), every)):
        alive, steps = alive_timeline(checkpointed_grad, n, k)
        ax.plot(alive, label=_("{label}: at most {count} states, {steps} calls of step").format(
            label=label, count=max(alive, default=0), steps=steps))
    ax.set_xlabel(_("calls of step and dstep, in order"))
    ax.set_ylabel(_("states alive"))
    ax.set_title(_("n = {n} steps").format(n=n))
    ax.legend(loc="upper right", fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def checkpoint_explorer(checkpointed_grad, n: int = 200):
    """An ipywidgets control: choose `every`, see the states alive along the computation
    against the full tape's, and the calls of step (an Image widget redrawn when the
    slider moves, as in chapter 07)."""
    import ipywidgets as widgets

    every = widgets.IntSlider(value=max(1, round(math.sqrt(n))), min=1, max=n, description=_("every"),
                              continuous_update=False)
    image = widgets.Image(format="png")

    def draw(_change=None):
        image.value = render_timeline(checkpointed_grad, n, every.value)

    every.observe(draw, names="value")
    draw()
    return widgets.VBox([every, image])


# --- binomial checkpointing (revolve) ---------------------------------------------------------


def revolve_cost(n: int, c: int) -> int:
    """The fewest calls of step that reverse a chain of n steps from x_0 alone with c
    checkpoints (x_0's own included), the sweep forward counted and the last step (the one
    that gives x_n) not: the optimum over where to place the next checkpoint, by dynamic
    programming (Griewank 1992),

        cost(n, c) = min over 0 < m < n of  m + cost(n - m, c - 1) + cost(m, c),

    with cost(n, 1) = n (n - 1) / 2 (every state recomputed from x_0) and cost(1, c) = 0.
    O(n^2 c) time: for small n, to check `binomial_cost`."""
    if c < 1:
        raise ValueError(_("revolve needs at least one checkpoint: x_0"))
    table = [[0] * (c + 1) for _ in range(n + 1)]
    for length in range(2, n + 1):
        table[length][1] = length * (length - 1) // 2
        for slots in range(2, c + 1):
            table[length][slots] = min(m + table[length - m][slots - 1] + table[m][slots]
                                       for m in range(1, length))
    return table[n][c] if n >= 1 else 0


def binomial_cost(n: int, c: int) -> tuple[int, int]:
    """(calls of step, r) of binomial checkpointing for n steps with c checkpoints, counted
    as `revolve_cost` counts them: r is the least number of evaluations of any one step
    such that n <= C(c + r, c), and the
    optimal cost is r n - C(c + r, c + 1) (Griewank and Walther, Algorithm 799, revolve)."""
    if c < 1:
        raise ValueError(_("revolve needs at least one checkpoint: x_0"))
    r = 0
    while math.comb(c + r, c) < n:
        r += 1
    return r * n - math.comb(c + r, c + 1), r
