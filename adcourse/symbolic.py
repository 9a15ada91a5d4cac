"""Plots and widgets of chapter 02_symbolic: expression swell, and a tree that grows.

`swell_sizes` measures the logistic map l_n and its derivative with the student's own
functions, as trees (every copy counted) and as graphs (shared nodes counted once, with
and without `memoised`, the student's `diff` with a cache); `plot_expression_swell`
draws both, and `swell_table` prints them. `trace` runs a program on a number that also
records its expression, so that a program with control flow becomes the expression of
the path it took. `derivative_explorer` shows the tree of the k-th derivative of an
expression. Each takes the student's functions as arguments and says which are not
implemented yet, so that they work at every stage of the chapter.
"""
from __future__ import annotations

import io
import types

from .expressions import Expr, Var, as_expr, cos, distinct_nodes, exp, log, postorder, sin, to_infix, tree_size
from .i18n import N_, _

X = Var("x")


def forward_mode_operations(expr: Expr) -> int:
    """Operations that forward mode performs to get the value and derivative of `expr`:
    each distinct operation once, on a (value, tangent) pair."""
    return sum(1 for n in postorder(expr) if n.args)


def memoised(diff):
    """The student's `diff` with a cache: each distinct node of the graph is
    differentiated once, and a node met again gets the derivative already built.

    The rules are the student's: `diff` runs as a copy whose own name (the name it calls
    itself by) refers to the cached version; the notebook's namespace is not touched.
    After a call, `.calls` is the number of nodes differentiated (1 for a tree with
    children means that `diff` does not call itself by its name: nothing was cached).
    """
    if not isinstance(diff, types.FunctionType):
        raise TypeError(_("memoised needs diff to be a function defined with def"))

    def derivative(expr, var):
        cache: dict = {}
        namespace = dict(diff.__globals__)
        copy = types.FunctionType(diff.__code__, namespace, diff.__name__, diff.__defaults__, diff.__closure__)

        def cached(e, v):
            key = (id(e), v)
            if key not in cache:
                cache[key] = (e, copy(e, v))  # e is kept alive, so its id stays its own
            return cache[key][1]

        namespace[diff.__name__] = cached
        result = cached(expr, var)
        derivative.calls = len(cache)
        return result

    derivative.calls = 0
    return derivative


KEYS = ("l_n", "derivative", "simplified", "forward", "l_n graph", "derivative graph", "memoised graph",
        "memoised tree")


def swell_sizes(logistic_map, diff, simplify, count_nodes, ns=range(1, 9)) -> dict:
    """Sizes for each n: trees by the student's `count_nodes` ("l_n", "derivative",
    "simplified", and "memoised tree", the tree of the derivative built by
    `memoised(diff)`), graphs by `distinct_nodes` ("l_n graph", "derivative graph",
    "memoised graph"), and forward mode's operations on (value, tangent) pairs ("forward").

    A list whose function is not implemented yet stays short (empty, or up to the n
    where it failed); "memoised graph" stays empty when `diff` cannot be memoised.
    """
    sizes: dict = {"n": list(ns), **{key: [] for key in KEYS}}
    cached = memoised(diff) if isinstance(diff, types.FunctionType) else None

    def record(key, measure):
        try:
            sizes[key].append(measure())
        except NotImplementedError:
            pass

    for n in ns:
        try:
            l = logistic_map(n)
        except NotImplementedError:
            continue
        record("l_n graph", lambda: distinct_nodes(l))
        record("forward", lambda: forward_mode_operations(l))
        record("l_n", lambda: count_nodes(l))
        try:
            d = diff(l, X)
        except NotImplementedError:
            continue
        record("derivative graph", lambda: distinct_nodes(d))
        record("derivative", lambda: count_nodes(d))
        record("simplified", lambda: count_nodes(simplify(d)))
        if cached is not None:
            m = cached(l, X)
            if cached.calls > 1 or not l.args:  # else diff does not call itself by its name
                record("memoised graph", lambda: distinct_nodes(m))
                record("memoised tree", lambda: count_nodes(m))
    return sizes


def in_table1_form(polynomial) -> str:
    """A polynomial in x (SymPy, or an Expr) as Table 1 of Baydin et al. writes the logistic
    map's derivatives: rising powers, from degree 2 on with the constant term factored out."""
    import sympy
    expanded = sympy.expand(polynomial.to_sympy() if isinstance(polynomial, Expr) else polynomial)
    if not expanded.free_symbols:
        return str(expanded)
    coefficients = sympy.Poly(expanded, *expanded.free_symbols).all_coeffs()[::-1]  # rising powers
    factor = coefficients[0] if len(coefficients) > 2 and coefficients[0] not in (0, 1) else 1
    terms = [("- " if c < 0 else "+ ") + (str(abs(c)) if k == 0 or abs(c) != 1 else "")
             + ("" if k == 0 else "x" if k == 1 else f"x^{k}")
             for k, c in ((k, c / factor) for k, c in enumerate(coefficients)) if c != 0]
    text = " ".join(terms)[2:] if terms[0][0] == "+" else "-" + " ".join(terms)[2:]
    return text if factor == 1 else f"{factor}({text})"


def swell_table(sizes: dict) -> str:
    """The sizes as a table, with the ratio of each derivative's tree to the one before."""
    def column(key, n):
        values = sizes[key]
        return values[n - 1] if 1 <= n <= len(values) else None

    def ratio(key, n):
        a, b = column(key, n), column(key, n - 1)
        return f"{a / b:5.2f}" if a is not None and b is not None else "     "

    def cell(value, width):
        return f"{value:>{width}}" if value is not None else f"{'-':>{width}}"

    widths = (2, 6, 11, 5, 11, 5, 9, 6, 11, 9, 11)
    # The words of the headers (a translation longer than its column shifts the table).
    # TRANSLATORS: a column header of swell_table, 11 characters wide, right-aligned.
    derivative_ = _("derivative")
    # TRANSLATORS: a column header of swell_table, 5 characters wide, right-aligned.
    ratio_ = _("ratio")
    # TRANSLATORS: a column header of swell_table, 11 characters wide, right-aligned.
    simplified_ = _("simplified")
    # TRANSLATORS: a column header of swell_table, 9 characters wide, right-aligned.
    memoised_ = _("memoised")
    # TRANSLATORS: a column header of swell_table, 11 characters wide, right-aligned.
    operations_ = _("operations")
    names = ("n", "l_n", derivative_, ratio_, simplified_, ratio_, memoised_, "l_n", derivative_, memoised_,
             operations_)
    # TRANSLATORS: the header over swell_table's tree columns, centred in 53 characters.
    trees = _("trees (count_nodes)")
    # TRANSLATORS: the header over swell_table's graph columns, centred in 28 characters.
    graphs = _("graphs (distinct nodes)")
    # TRANSLATORS: the header over swell_table's last column, 11 characters wide, right-aligned.
    forward = _("forward mode")
    lines = [f"{'':3}{trees:-^53} {graphs:-^28} {forward:>11}",
             " ".join(f"{name:>{width}}" for name, width in zip(names, widths))]
    for n in sizes["n"]:
        lines.append(f"{n:2} {cell(column('l_n', n), 6)} {cell(column('derivative', n), 11)} {ratio('derivative', n)}"
                     f" {cell(column('simplified', n), 11)} {ratio('simplified', n)} {cell(column('memoised tree', n), 9)}"
                     f" {cell(column('l_n graph', n), 6)} {cell(column('derivative graph', n), 11)}"
                     f" {cell(column('memoised graph', n), 9)} {cell(column('forward', n), 11)}")
    return "\n".join(lines)


def plot_expression_swell(axes, logistic_map, diff, simplify, count_nodes, ns=range(1, 9)) -> dict:
    """On two log-scale axes (a pair; one Axes takes both), the trees (l_n, its
    derivative, simplified) and the graphs (l_n, which is also forward mode's count of
    (value, tangent) pairs, the derivative built by `diff` and by `memoised(diff)`), with
    reference growths through each curve's last point; return the sizes."""
    import numpy as np

    sizes = swell_sizes(logistic_map, diff, simplify, count_nodes, ns)
    n = np.array(sizes["n"], dtype=float)
    if not isinstance(axes, (list, tuple, np.ndarray)):  # one Axes: both panels on it
        axes = (axes, axes)
    panels = [
        (axes[0], _("Trees: every copy counted (count_nodes)"),
         {"l_n": ("l_n", "^--"), "derivative": (_("derivative (diff)"), "o-"),
          "simplified": (_("simplified derivative"), "s:")},
         [("derivative", n * 2**n, _("reference: n 2^n"), (0, (5, 2, 1, 2))),
          ("l_n", 2**n, _("reference: 2^n"), ":")]),
        (axes[1], _("Graphs: shared nodes counted once"),
         {"l_n graph": (_("l_n = forward mode's (value, tangent) pairs"), "^--"),
          "derivative graph": (_("derivative (diff)"), "o-"),
          "memoised graph": (_("derivative (memoised diff)"), "s-")},
         [("memoised graph", n, _("reference: n"), ":"),
          ("derivative graph", 2**n, _("reference: 2^n"), (0, (5, 2, 1, 2)))]),
    ]
    missing = []
    for ax, title, curves, references in panels:
        for key, (label, style) in curves.items():
            values = sizes[key]
            if len(values) == len(n):
                ax.semilogy(n, values, style, label=label, markersize=6)
            else:
                missing.append(key)
        for key, growth, label, dashes in references:
            if len(sizes[key]) == len(n):  # through the curve's last point
                ax.semilogy(n, growth * sizes[key][-1] / growth[-1], color="grey", linestyle=dashes,
                            linewidth=1, label=label)
        ax.set_xlabel(_("n (logistic map l_n)"))
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7.5, loc="upper left")
    axes[0].set_ylabel(_("nodes"))
    if missing:
        axes[1].text(0.98, 0.02, _("not implemented yet (or not memoisable): logistic_map, diff, simplify "
                                   "or count_nodes"), transform=axes[1].transAxes, ha="right", va="bottom", fontsize=7,
                     color="grey")
    return sizes


# --- control flow: a program traced at a number ------------------------------------------

class Traced:
    """A number that also records, as an expression, how the program computed it from
    the traced input. Arithmetic builds both; a comparison (and `abs`) decides by the
    number and notes its outcome in `path`, so `if` and `while` take the path of that
    number and the expression holds that path only. (No `float()`: a value that left the
    trace would silently become a constant.)"""

    __slots__ = ("value", "expr", "path")

    def __init__(self, value, expr, path):
        self.value, self.expr, self.path = value, expr, path

    def _lift(self, other):
        return other if isinstance(other, Traced) else Traced(other, as_expr(other), self.path)

    def _apply(self, other, op, flip=False):
        other = self._lift(other)
        a, b = (other, self) if flip else (self, other)
        return Traced(op(a.value, b.value), op(a.expr, b.expr), self.path)

    def __add__(self, o): return self._apply(o, lambda a, b: a + b)  # noqa: E704
    def __radd__(self, o): return self._apply(o, lambda a, b: a + b, True)  # noqa: E704
    def __sub__(self, o): return self._apply(o, lambda a, b: a - b)  # noqa: E704
    def __rsub__(self, o): return self._apply(o, lambda a, b: a - b, True)  # noqa: E704
    def __mul__(self, o): return self._apply(o, lambda a, b: a * b)  # noqa: E704
    def __rmul__(self, o): return self._apply(o, lambda a, b: a * b, True)  # noqa: E704
    def __truediv__(self, o): return self._apply(o, lambda a, b: a / b)  # noqa: E704
    def __rtruediv__(self, o): return self._apply(o, lambda a, b: a / b, True)  # noqa: E704
    def __pow__(self, o): return self._apply(o, lambda a, b: a ** b)  # noqa: E704
    def __neg__(self): return Traced(-self.value, -self.expr, self.path)  # noqa: E704

    def _decide(self, other, test):
        outcome = bool(test(self.value, self._lift(other).value))
        self.path.append(outcome)
        return outcome

    def __lt__(self, o): return self._decide(o, lambda a, b: a < b)  # noqa: E704
    def __le__(self, o): return self._decide(o, lambda a, b: a <= b)  # noqa: E704
    def __gt__(self, o): return self._decide(o, lambda a, b: a > b)  # noqa: E704
    def __ge__(self, o): return self._decide(o, lambda a, b: a >= b)  # noqa: E704

    def __abs__(self):
        return self if self >= 0 else -self


def trace(program, value: float, name: str = "x") -> tuple[Expr, list[bool]]:
    """Run `program` on the number `value`, traced: the expression of the path it took
    (in the variable `name`) and the outcomes of its comparisons, in order."""
    path: list[bool] = []
    result = program(Traced(float(value), Var(name), path))
    return (result.expr if isinstance(result, Traced) else as_expr(result)), path


# --- drawing a tree -------------------------------------------------------------------------

def _label(node: Expr) -> str:
    return (f"{node.value:g}" if node.op == "const" else node.name if node.op == "var"
            else {"neg": "-"}.get(node.op, node.op))


def draw_tree(ax, expr: Expr, max_nodes: int = 80) -> int:
    """Draw `expr` as a tree (root on top); subtrees past `max_nodes` are folded into a
    box that says how many nodes they hold. Returns the nodes drawn."""
    positions, edges, labels = {}, [], {}
    budget = [max_nodes]
    next_x = [0.0]

    def place(e, depth, key):
        budget[0] -= 1
        if budget[0] < 0 and e.args:
            labels[key] = _("... {count} nodes").format(count=tree_size(e))
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
    N_("l_3 = 16 x (1-x) (1-2x)^2 (logistic map)"): 4 * (4 * X * (1 - X)) * (1 - 4 * X * (1 - X)),
}


def render_derivative_tree(expr: Expr, order: int, diff, simplify=None) -> bytes:
    """The tree of the `order`-th derivative of `expr` (simplified if `simplify` is given),
    as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.8))
    ax = fig.add_subplot()
    try:
        d = expr
        for _step in range(order):
            d = diff(d, X)
            if simplify is not None:
                d = simplify(d)
        draw_tree(ax, d)
        text = to_infix(d, limit=90)
        text = text if len(text) <= 90 else text[:90] + " ..."
        title = _("derivative {order} of {expression}: {count} nodes").format(
            order=order, expression=to_infix(expr), count=tree_size(d))
        ax.set_title(f"{title}\n{text}", fontsize=9)
    except NotImplementedError:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("diff (and simplify) are not implemented yet"), ha="center")
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

    # The options' labels are shown translated; their values stay EXAMPLES' keys.
    choice = widgets.Dropdown(options=[(_(name), name) for name in EXAMPLES], value="sin(x) * x",
                              description="f(x)")
    order = widgets.IntSlider(value=1, min=0, max=4, description=_("order"), continuous_update=False)
    simplified = widgets.Checkbox(value=False, description=_("simplify"))
    image = widgets.Image(format="png")

    def draw(_change=None):
        image.value = render_derivative_tree(EXAMPLES[choice.value], order.value, diff,
                                             simplify if simplified.value else None)

    for control in (choice, order, simplified):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([choice, order, simplified]), image])
