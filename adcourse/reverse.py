"""Pictures of chapter 04_reverse: the computation graph, the adjoint trace, the cheap gradient.

`draw_graph` draws a graph of nodes (anything with `value`, `parents` and `grad`, a
student's `Var` included) by depth, each node labelled with its value and gradient, each
edge with its local derivative. `adjoint_stepper` steps backward through the trace of
Table 3 of Baydin et al. (2018), and `plot_cheap_gradient` counts the operations of a
full gradient by forward mode (one pass per input) and by reverse mode (one backward
pass), and times them, as the number of inputs grows. Each takes the student's functions as arguments where it needs them
and says which are not implemented yet.
"""
from __future__ import annotations

import io

import numpy as np

from . import wire
from .forward import best_seconds, forward_gradient, forward_units
from .i18n import _


class Node:
    """A node of a given trace (value, parents, grad), for pictures that must not depend
    on the exercises."""

    def __init__(self, value, parents=()):
        self.value, self.parents, self.grad = value, tuple(parents), 0.0


def table3_trace(x1: float = 2.0, x2: float = 5.0) -> tuple[list[Node], list[str], list[str]]:
    """The evaluation trace of f(x1, x2) = ln(x1) + x1 x2 - sin(x2) (Baydin et al., 2018,
    Table 3): its nodes v-1, v0, v1, ..., v5 in evaluation order, their names, formulas."""
    v_1, v0 = Node(x1), Node(x2)
    v1 = Node(np.log(x1), [(v_1, 1 / x1)])
    v2 = Node(x1 * x2, [(v_1, x2), (v0, x1)])
    v3 = Node(np.sin(x2), [(v0, np.cos(x2))])
    v4 = Node(v1.value + v2.value, [(v1, 1.0), (v2, 1.0)])
    v5 = Node(v4.value - v3.value, [(v4, 1.0), (v3, -1.0)])
    names = ["v-1", "v0", "v1", "v2", "v3", "v4", "v5"]
    formulas = ["x1", "x2", "ln v-1", "v-1 * v0", "sin v0", "v1 + v2", "v4 - v3"]
    return [v_1, v0, v1, v2, v3, v4, v5], names, formulas


def adjoint_steps(nodes: list, names: list[str]) -> list[tuple[int, int | None, str, list[float]]]:
    """The reverse (adjoint) trace of a graph whose `nodes` are listed in evaluation order:
    one step per edge, outputs first, as (node, parent or None, statement, adjoints after).
    The first step seeds the last node's adjoint with 1."""
    index = {id(n): i for i, n in enumerate(nodes)}
    adjoint = [0.0] * len(nodes)
    adjoint[-1] = 1.0
    steps = [(len(nodes) - 1, None, f"{names[-1]}bar = 1", list(adjoint))]
    reached = {len(nodes) - 1}
    for i in reversed(range(len(nodes))):
        for parent, local in nodes[i].parents:
            j = index[id(parent)]
            before = f"{names[j]}bar + " if j in reached else ""
            adjoint[j] += adjoint[i] * local
            reached.add(j)
            text = (f"{names[j]}bar = {before}{names[i]}bar * d{names[i]}/d{names[j]}"
                    f" = {before and f'{adjoint[j] - adjoint[i] * local:.4g} + '}"
                    f"{adjoint[i]:.4g} * {local:.4g} = {adjoint[j]:.4g}")
            steps.append((i, j, text, list(adjoint)))
    return steps


def slopes(output, *inputs, limit: int = 1_000_000) -> tuple[float, ...]:
    """d output / d input for each of `inputs` (Vars without parents), by the chain rule
    path by path: the sum, over every path from `output` back to the input, of the
    product of the local derivatives along it. Inputs are recognised by identity (a
    number an operation wraps into a node of its own is not an input, whatever its
    value). The number of paths can grow exponentially with the size of the graph: fine
    for a few operations, and the reason `backward` works otherwise."""
    totals = [0.0] * len(inputs)
    stack, steps = [(output, 1.0)], 0
    while stack:
        node, product = stack.pop()
        steps += 1
        if steps > limit:
            raise RuntimeError(_("more than {limit} paths: too many to follow one by one").format(limit=limit))
        for k, x in enumerate(inputs):
            if wire.same_object(node, x):
                totals[k] += product
        for parent, local in node.parents:
            stack.append((parent, product * float(local)))
    return tuple(totals)


# --- drawing a graph ----------------------------------------------------------------------

def graph_nodes(output, limit: int = 60) -> list:
    """The nodes `output` depends on, in an evaluation order (parents before children), for
    drawing: by their longest distance from the output, found by relaxing every edge until
    nothing changes (quadratic: fine for a picture, not for a backward pass)."""
    found, stack = {id(output): output}, [output]
    while stack:
        for parent, _local in stack.pop().parents:
            if id(parent) not in found:
                found[id(parent)] = parent
                stack.append(parent)
                if len(found) > limit:
                    raise ValueError(_("the graph has more than {limit} nodes: too many to draw").format(limit=limit))
    distance = {key: 0 for key in found}
    changed = True
    while changed:
        changed = False
        for key, node in found.items():
            for parent, _local in node.parents:
                if distance[id(parent)] < distance[key] + 1:
                    distance[id(parent)] = distance[key] + 1
                    changed = True
    return sorted(found.values(), key=lambda n: -distance[id(n)])


def draw_graph(ax, nodes, names=None, grads=None, highlight=None, edge=None) -> None:
    """Draw a graph from left (inputs) to right (output).

    `nodes`: the output node, or the nodes in evaluation order. `names`: a name per node
    (a list in the order of `nodes`, or a dict node -> name). `grads`: the gradients to
    show (a list in that order; default each node's `.grad`). `highlight`: the index of a
    node to colour; `edge`: a (child, parent) pair of indices to draw in red.
    """
    if not isinstance(nodes, (list, tuple)):
        nodes = graph_nodes(nodes)
    index = {id(n): i for i, n in enumerate(nodes)}
    if isinstance(names, dict):
        names = [names.get(n, "") for n in nodes]
    names = names or [""] * len(nodes)
    grads = grads if grads is not None else [n.grad for n in nodes]
    depth = []
    for node in nodes:
        depth.append(max([depth[index[id(p)]] + 1 for p, _ in node.parents if id(p) in index], default=0))
    columns: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        columns.setdefault(d, []).append(i)
    where = {}
    for d, members in columns.items():
        for k, i in enumerate(members):
            where[i] = (2.2 * d, (len(members) - 1) / 2 - k)
    for i, node in enumerate(nodes):
        for parent, local in node.parents:
            j = index.get(id(parent))
            if j is None:
                continue
            hot = edge == (i, j)
            (x0, y0), (x1, y1) = where[j], where[i]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops=dict(arrowstyle="-|>", color="crimson" if hot else "0.55",
                                        lw=2.2 if hot else 1.0, shrinkA=24, shrinkB=24))
            ax.text(x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0), f"{float(local):.3g}", fontsize=7,
                    ha="center", va="center", color="crimson" if hot else "0.3",
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    for i, node in enumerate(nodes):
        x, y = where[i]
        label = f"{names[i]}\n{float(node.value):.4g}\ngrad {float(grads[i]):.4g}".lstrip()
        colour = "#f9c784" if i == highlight else ("#fde9c9" if not node.parents else "#d7e8f7")
        ax.text(x, y, label, ha="center", va="center", fontsize=8, zorder=3,
                bbox=dict(boxstyle="round,pad=0.35", fc=colour, ec="0.4"))
    ax.set_xlim(-1.2, 2.2 * max(depth) + 1.2)
    ax.set_ylim(-max(len(m) for m in columns.values()) / 2 - 0.3, max(len(m) for m in columns.values()) / 2 + 0.3)
    ax.set_axis_off()


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def render_adjoint_step(step: int, x1: float = 2.0, x2: float = 5.0) -> bytes:
    """Table 3's graph with the adjoints known after `step` steps of the reverse trace, the
    node being processed highlighted, and the statements so far, as PNG bytes."""
    from matplotlib.figure import Figure

    nodes, names, formulas = table3_trace(x1, x2)
    steps = adjoint_steps(nodes, names)
    step = max(0, min(step, len(steps) - 1))
    node, parent, _statement, adjoint = steps[step]
    fig = Figure(figsize=(11, 4.2))
    grid = fig.add_gridspec(1, 2, width_ratios=(1.5, 1))
    graph, table = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    labels = [f"{n} = {f}" for n, f in zip(names, formulas)]
    draw_graph(graph, nodes, labels, grads=adjoint, highlight=node,
               edge=(node, parent) if parent is not None else None)
    graph.set_title(_("step {step} of {last}: processing {node}").format(step=step, last=len(steps) - 1,
                                                                           node=names[node]), fontsize=9)
    table.set_axis_off()
    for k, (_node, _parent, text, _after) in enumerate(steps[:step + 1]):
        table.text(0.0, 0.97 - 0.1 * k, text, family="monospace", fontsize=8, va="top",
                   color="crimson" if k == step else "black", transform=table.transAxes)
    if step == len(steps) - 1:
        table.text(0.0, 0.97 - 0.1 * (step + 1), f"x1bar = {adjoint[0]:.4g},  x2bar = {adjoint[1]:.4g}",
                   family="monospace", fontsize=9, weight="bold", va="top", transform=table.transAxes)
    table.set_title(_("reverse (adjoint) trace"), fontsize=9)
    fig.tight_layout()
    return _png(fig)


def adjoint_stepper():
    """An ipywidgets control stepping backward through the adjoint trace of Table 3.

    The picture is an Image widget redrawn when the slider moves (no Output widget and no
    `interact`: their captured output can hang a notebook run without a browser).
    """
    import ipywidgets as widgets

    last = len(adjoint_steps(*table3_trace()[:2])) - 1
    slider = widgets.IntSlider(value=0, min=0, max=last, description=_("step"), continuous_update=False)
    image = widgets.Image(format="png")

    def draw(_change=None):
        image.value = render_adjoint_step(slider.value)

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([slider, image])


# --- the cheap-gradient principle ----------------------------------------------------------
#
# Operation counts, in one model for both modes: an operation costs one unit for its value,
# one for each local derivative (one per edge) and one for each multiply-add that passes
# a tangent or an adjoint along an edge. Evaluating f costs N units (its N operations). A
# forward-mode pass costs N + 2E, so n passes cost n (N + 2E); reverse mode records the
# graph (N + E) and sweeps it once (E): N + 2E, one forward pass, whatever n.

def graph_size(output) -> tuple[int, int, int]:
    """(nodes, leaves, edges) of the graph that `output` depends on, output and leaves
    (nodes without parents) included; each node visited once, without recursion."""
    seen, stack, leaves, edges = {id(output)}, [output], 0, 0
    while stack:
        node = stack.pop()
        leaves += not node.parents
        edges += len(node.parents)
        for parent, _local in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen), leaves, edges


def path_count(output, leaf, limit: int = 1000) -> int:
    """The number of paths from `output` back to `leaf`, counted node by node (not by
    following the paths, whose number can be exponential): a node's count is the sum of
    the counts of the nodes that use it, taken in the order of `graph_nodes` reversed
    (finding that order is quadratic: fine for a demonstration of up to `limit` nodes)."""
    paths = {id(output): 1}
    for node in reversed(graph_nodes(output, limit)):  # users before the nodes they use
        for parent, _local in node.parents:
            paths[id(parent)] = paths.get(id(parent), 0) + paths.get(id(node), 0)
    return paths.get(id(leaf), 0)


def rosenbrock(*x):
    """sum over i of 100 (x[i+1] - x[i]**2)**2 + (1 - x[i])**2: a scalar function of n
    numbers built from + - * and ** only, so it runs on floats, Duals and Vars alike."""
    total = 0.0
    for a, b in zip(x[:-1], x[1:]):
        total = total + 100 * (b - a ** 2) ** 2 + (1 - a) ** 2
    return total


def recorded_graph(grad, f, x):
    """The output node of the graph that `grad(f)(*x)` builds (with the student's `Var`)."""
    outputs = []

    def recording(*args):
        outputs.append(f(*args))
        return outputs[-1]

    grad(recording)(*x)
    return outputs[0]


def count_gradients(grad, ns=(2, 4, 8, 16, 32, 64, 128, 256), f=rosenbrock) -> dict:
    """{"n", "operations", "edges", "f", "forward", "reverse"}: for each n, the operations N
    and edges E of the graph of f that `grad` records, and the work units of f (N), of
    forward mode's n passes (counted by `forward_units`) and of reverse mode's recording
    and sweep (N + 2E)."""
    counts = {"n": list(ns), "operations": [], "edges": [], "f": [], "forward": [], "reverse": []}
    for n in ns:
        x = list(np.linspace(-1.0, 1.0, n))
        nodes, leaves, edges = graph_size(recorded_graph(grad, f, x))
        counts["operations"].append(nodes - leaves)
        counts["edges"].append(edges)
        counts["f"].append(nodes - leaves)
        counts["forward"].append(forward_units(f, x))
        counts["reverse"].append(nodes - leaves + 2 * edges)
    return counts


def time_gradients(grad, ns=(2, 4, 8, 16, 32, 64, 128, 256), f=rosenbrock, repeat: int = 3) -> dict:
    """{"n", "f", "forward", "reverse"}: seconds per call (the best of `repeat` interleaved
    measurements, `best_seconds`) of f on floats, of its gradient by forward mode (n passes of a
    counting dual class, `forward_gradient`)
    and of the student's `grad(f)` (recording the graph of Vars and one backward pass)."""
    times = {"n": list(ns), "f": [], "forward": [], "reverse": []}
    for n in ns:
        x = list(np.linspace(-1.0, 1.0, n))
        seconds = best_seconds([lambda x=x: f(*x), lambda x=x: forward_gradient(f, x),
                                lambda x=x: grad(f)(*x)], repeat)
        for key, value in zip(("f", "forward", "reverse"), seconds):
            times[key].append(value)
    return times


def plot_cheap_gradient(axes, grad, ns=(2, 4, 8, 16, 32, 64, 128, 256)) -> dict | None:
    """Two log-log plots against n of the gradient of `rosenbrock` by forward mode (n passes)
    and by reverse mode (one backward pass): left, work units / those of f, with the bounds
    5 n of forward mode and 5 of reverse mode; right, seconds / seconds of f (the best of 3
    interleaved repeats each), with a line proportional to n. Returns {"counts", "times"};
    None, and a note on the plots, while `Var`, `backward` or `grad` is not implemented."""
    left, right = axes
    try:
        counts = count_gradients(grad, ns)
        times = time_gradients(grad, ns)
    except NotImplementedError:
        for ax in axes:
            ax.text(0.5, 0.5, _("Var, backward or grad is not implemented yet"), ha="center",
                    transform=ax.transAxes)
        return None
    n = np.array(ns, dtype=float)
    forward = np.array(counts["forward"]) / np.array(counts["f"])
    reverse = np.array(counts["reverse"]) / np.array(counts["f"])
    left.loglog(n, forward, "o-", label=_("forward mode: n passes, n (N + 2E)"))
    left.loglog(n, reverse, "s-", label=_("reverse mode: one pass, N + 2E"))
    left.loglog(n, 5 * n, ":", color="grey", label=_("5 n: n passes, each at most 5N (reference)"))
    left.axhline(5, ls="--", color="tab:red", lw=1, label=_("5: one pass, at most 5N (reference)"))
    left.set_xlabel(_("number of inputs n"))
    left.set_ylabel(_("work units of the gradient / units of f"))
    left.set_title(_("Operation counts (units of f: N operations)"))
    left.legend(fontsize=8)
    t_forward = np.array(times["forward"]) / np.array(times["f"])
    t_reverse = np.array(times["reverse"]) / np.array(times["f"])
    right.loglog(n, t_forward, "o-", label=_("forward mode (n passes of a dual class)"))
    right.loglog(n, t_reverse, "s-", label=_("reverse mode (your grad: graph of Vars, one sweep)"))
    right.loglog(n, 2 * t_forward[-1] * n / n[-1], ":", color="grey",
                 label=_("proportional to n (reference, shifted up)"))
    right.set_xlabel(_("number of inputs n"))
    right.set_ylabel(_("seconds of the gradient / seconds of f"))
    right.set_title(_("Time, best of 3 repeats (f on floats)"))
    right.legend(fontsize=8)
    return {"counts": counts, "times": times}
