"""Plots and widgets of chapter 02_symbolic: expression swell, and a tree that grows.

`swell_sizes` measures the derivative of the logistic map l_n with the student's own
functions, `plot_expression_swell` draws it against the cost of forward mode, and
`derivative_explorer` shows the tree of the k-th derivative of an expression. Each
takes the student's functions as arguments and says which are not implemented yet,
so that they work at every stage of the chapter.
"""
from __future__ import annotations

import io

from .expressions import Expr, Var, cos, exp, log, postorder, sin, to_infix, tree_size

X = Var("x")


def forward_mode_operations(expr: Expr) -> int:
    """Operations that forward mode performs to get the value and derivative of `expr`:
    each distinct operation once, on a (value, tangent) pair."""
    return sum(1 for n in postorder(expr) if n.args)


def swell_sizes(logistic_map, diff, simplify, count_nodes, ns=range(1, 9)) -> dict:
    """{"n", "l_n", "derivative", "simplified", "forward"}: sizes for each n.

    A curve whose function is not implemented yet is left out (its list is empty).
    """
    sizes = {"n": list(ns), "l_n": [], "derivative": [], "simplified": [], "forward": []}
    for n in ns:
        try:
            l = logistic_map(n)
            sizes["l_n"].append(count_nodes(l))
            sizes["forward"].append(forward_mode_operations(l))
            d = diff(l, X)
            sizes["derivative"].append(count_nodes(d))
            sizes["simplified"].append(count_nodes(simplify(d)))
        except NotImplementedError:
            continue
    return sizes


def plot_expression_swell(ax, logistic_map, diff, simplify, count_nodes, ns=range(1, 9)) -> dict:
    """Draw the sizes of l_n, of its derivative, simplified or not, and the cost of
    forward mode, on a log scale; return the sizes."""
    sizes = swell_sizes(logistic_map, diff, simplify, count_nodes, ns)
    labels = {"derivative": "derivative (nodes)", "simplified": "simplified derivative (nodes)",
              "l_n": "l_n itself (nodes)", "forward": "forward mode (operations)"}
    styles = {"derivative": "o-", "simplified": "s-", "l_n": "^--", "forward": "d-"}
    missing = []
    for key, label in labels.items():
        values = sizes[key]
        if len(values) == len(sizes["n"]):
            ax.semilogy(sizes["n"], values, styles[key], label=label)
        else:
            missing.append(key)
    ax.set_xlabel("n (logistic map l_n)")
    ax.set_ylabel("size")
    ax.set_title("Expression swell: d l_n / dx")
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    if missing:
        ax.text(0.98, 0.02, "not implemented yet: logistic_map, diff, simplify or count_nodes",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="grey")
    return sizes


# --- drawing a tree -------------------------------------------------------------------------

def _label(node: Expr) -> str:
    if node.op == "const":
        return f"{node.value:g}"
    if node.op == "var":
        return node.name
    return {"neg": "-"}.get(node.op, node.op)


def draw_tree(ax, expr: Expr, max_nodes: int = 80) -> int:
    """Draw `expr` as a tree (root on top); subtrees past `max_nodes` are folded into a
    box that says how many nodes they hold. Returns the nodes drawn."""
    positions, edges, labels = {}, [], {}
    budget = [max_nodes]
    next_x = [0.0]

    def place(e, depth, key):
        budget[0] -= 1
        if budget[0] < 0 and e.args:
            labels[key] = f"... {tree_size(e)} nodes"
            positions[key] = (next_x[0], -depth)
            next_x[0] += 1
            return positions[key]
        labels[key] = _label(e)
        if not e.args:
            positions[key] = (next_x[0], -depth)
            next_x[0] += 1
            return positions[key]
        children = [place(a, depth + 1, key + (i,)) for i, a in enumerate(e.args)]
        x = sum(c[0] for c in children) / len(children)
        positions[key] = (x, -depth)
        edges.extend((positions[key], c) for c in children)
        return positions[key]

    place(expr, 0, ())
    parents = {key[:-1] for key in positions if key}
    for (x0, y0), (x1, y1) in edges:
        ax.plot([x0, x1], [y0, y1], color="0.6", linewidth=0.8, zorder=1)
    for key, (x, y) in positions.items():
        text = labels[key]
        leaf = text.startswith("...") or key not in parents
        ax.text(x, y, text, ha="center", va="center", fontsize=7, zorder=2,
                bbox=dict(boxstyle="round,pad=0.2", fc="#fde9c9" if leaf else "#d7e8f7", ec="0.5"))
    ax.set_axis_off()
    ax.margins(0.05)
    return len(positions)


#: Expressions the explorer offers.
EXAMPLES = {
    "sin(x) * x": sin(X) * X,
    "exp(x ** 2)": exp(X ** 2),
    "x / (1 + x ** 2)": X / (1 + X ** 2),
    "log(x) * cos(x)": log(X) * cos(X),
    "l_3 = 16 x (1-x) (1-2x)^2 (logistic map)": 4 * (4 * X * (1 - X)) * (1 - 4 * X * (1 - X)),
}


def render_derivative_tree(expr: Expr, order: int, diff, simplify=None) -> bytes:
    """The tree of the `order`-th derivative of `expr` (simplified if `simplify` is given),
    as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.8))
    ax = fig.add_subplot()
    try:
        d = expr
        for _ in range(order):
            d = diff(d, X)
            if simplify is not None:
                d = simplify(d)
        draw_tree(ax, d)
        text = to_infix(d, limit=90)
        text = text if len(text) <= 90 else text[:90] + " ..."
        ax.set_title(f"derivative {order} of {to_infix(expr)}: {tree_size(d)} nodes\n{text}", fontsize=9)
    except NotImplementedError:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "diff (and simplify) are not implemented yet", ha="center")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def derivative_explorer(diff, simplify):
    """An ipywidgets control: pick an expression and an order, watch the derivative tree.

    The picture is an Image widget redrawn when a control changes (no Output widget and
    no `interact`: their captured output can hang a notebook run without a browser).
    """
    import ipywidgets as widgets

    choice = widgets.Dropdown(options=list(EXAMPLES), value="sin(x) * x", description="f(x)")
    order = widgets.IntSlider(value=1, min=0, max=4, description="order", continuous_update=False)
    simplified = widgets.Checkbox(value=False, description="simplify")
    image = widgets.Image(format="png")

    def draw(_=None):
        image.value = render_derivative_tree(EXAMPLES[choice.value], order.value, diff,
                                             simplify if simplified.value else None)

    for control in (choice, order, simplified):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([choice, order, simplified]), image])
