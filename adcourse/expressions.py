"""Expression trees for symbolic differentiation (chapter 02): read them, do not write them.

An expression is a tree of immutable nodes:

    Const(2.0)  Var("x")                              leaves
    Add(a, b)  Sub(a, b)  Mul(a, b)  Div(a, b)  Pow(a, b)   binary operations
    Neg(a)  Sin(a)  Cos(a)  Exp(a)  Log(a)                  unary operations

Python's operators build nodes (`x * sin(x) + 1` is Add(Mul(x, Sin(x)), Const(1.0))),
plain numbers become `Const`s, and an expression prints in readable infix form with
only the parentheses it needs. `==` compares structure (`x + 1 == x + 1` is True,
`x + 1 == 1 + x` is False); values are compared with `evaluate`.

A node may appear several times in a tree (`l * (1 - l)` holds `l` twice): the tree is
then stored as a graph with shared nodes. Every function here visits each distinct
node once, so even trees of millions of nodes that share most of them are cheap to
evaluate or to measure; printing writes at most `limit` characters, and `to_sympy`
refuses an expression whose tree, degree or expansion is too large for SymPy
(`ExpressionTooLarge`, saying how large it is).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from .i18n import _

__all__ = ["Expr", "Const", "Var", "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Sin", "Cos",
           "Exp", "Log", "sin", "cos", "exp", "log", "variables", "as_expr", "postorder",
           "tree_size", "distinct_nodes", "evaluate", "to_sympy", "to_data", "from_data",
           "ExpressionTooLarge", "check_size", "expansion_size"]


class Expr:
    """A node of an expression tree: `args` holds its children (none for leaves)."""

    __slots__ = ("args", "_hash")
    op = "?"

    def __init__(self, *args):
        object.__setattr__(self, "args", tuple(as_expr(a) for a in args))
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name, value):
        raise AttributeError(_("expressions are immutable: build a new one instead"))

    # Immutable: a copy is the expression itself.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        raise TypeError(_("expressions are not pickled: use to_data / from_data"))

    # --- building ------------------------------------------------------------------
    def __add__(self, other):
        return Add(self, other)

    def __radd__(self, other):
        return Add(other, self)

    def __sub__(self, other):
        return Sub(self, other)

    def __rsub__(self, other):
        return Sub(other, self)

    def __mul__(self, other):
        return Mul(self, other)

    def __rmul__(self, other):
        return Mul(other, self)

    def __truediv__(self, other):
        return Div(self, other)

    def __rtruediv__(self, other):
        return Div(other, self)

    def __pow__(self, other):
        return Pow(self, other)

    def __rpow__(self, other):
        return Pow(other, self)

    def __neg__(self):
        return Neg(self)

    # --- structure -------------------------------------------------------------------
    def key(self):
        """What identifies the node itself, apart from its children."""
        return (self.op,)

    def __eq__(self, other):
        """Structural equality (without recursion, so deep trees compare too)."""
        if self is other:
            return True
        if not isinstance(other, Expr):
            return False
        stack, seen = [(self, other)], set()
        while stack:
            a, b = stack.pop()
            if a is b or (id(a), id(b)) in seen:
                continue
            if type(a) is not type(b) or hash(a) != hash(b) or a.key() != b.key() \
                    or len(a.args) != len(b.args):
                return False
            seen.add((id(a), id(b)))
            stack.extend(zip(a.args, b.args))
        return True

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        if self._hash is None:
            for n in postorder(self):
                if n._hash is None:
                    object.__setattr__(n, "_hash", hash(n.key() + tuple(c._hash for c in n.args)))
        return self._hash

    # --- reading ---------------------------------------------------------------------
    def __str__(self):
        return to_infix(self)

    def __repr__(self):
        return to_infix(self)

    def evaluate(self, env: dict | None = None, **values):
        """The value at `env` ({"x": 0.5} or x=0.5); arrays are evaluated elementwise."""
        return evaluate(self, {**(env or {}), **values})

    def to_sympy(self):
        """The same expression as a SymPy expression (for checking, not for diff)."""
        return to_sympy(self)


class Const(Expr):
    """A number (stored as a float)."""

    __slots__ = ("_value",)
    op = "const"

    def __init__(self, value):
        if isinstance(value, Expr):
            raise TypeError(_("Const holds a number, not an expression"))
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(_("Const needs a finite number, got {value}").format(value=value))
        object.__setattr__(self, "args", ())
        object.__setattr__(self, "_hash", None)
        object.__setattr__(self, "_value", value)

    @property
    def value(self) -> float:
        return self._value

    def key(self):
        return ("const", self._value)


class Var(Expr):
    """A variable, named by a string such as "x"."""

    __slots__ = ("_name",)
    op = "var"

    def __init__(self, name: str):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(_("a variable is named by an identifier such as 'x', not {name}").format(name=repr(name)))
        object.__setattr__(self, "args", ())
        object.__setattr__(self, "_hash", None)
        object.__setattr__(self, "_name", name)

    @property
    def name(self) -> str:
        return self._name

    def key(self):
        return ("var", self._name)


def _binary(name, symbol):
    class Binary(Expr):
        __slots__ = ()
        op = symbol

        def __init__(self, left, right):
            super().__init__(left, right)

        @property
        def left(self) -> Expr:
            return self.args[0]

        @property
        def right(self) -> Expr:
            return self.args[1]

    Binary.__name__ = Binary.__qualname__ = name
    Binary.__doc__ = f"left {symbol} right"
    return Binary


def _unary(name, symbol):
    class Unary(Expr):
        __slots__ = ()
        op = symbol

        def __init__(self, arg):
            super().__init__(arg)

        @property
        def arg(self) -> Expr:
            return self.args[0]

    Unary.__name__ = Unary.__qualname__ = name
    Unary.__doc__ = f"{symbol}(arg)" if symbol != "neg" else "-arg"
    return Unary


Add, Sub, Mul, Div, Pow = (_binary(n, s) for n, s in (
    ("Add", "+"), ("Sub", "-"), ("Mul", "*"), ("Div", "/"), ("Pow", "**")))
Neg, Sin, Cos, Exp, Log = (_unary(n, s) for n, s in (
    ("Neg", "neg"), ("Sin", "sin"), ("Cos", "cos"), ("Exp", "exp"), ("Log", "log")))
for _cls in (Add, Sub, Mul, Div, Pow, Neg, Sin, Cos, Exp, Log):
    _cls.__module__ = __name__

#: Node class of each operation name (what `to_data` writes).
CLASSES = {cls.op: cls for cls in (Const, Var, Add, Sub, Mul, Div, Pow, Neg, Sin, Cos, Exp, Log)}


def as_expr(value) -> Expr:
    """`value` as an expression: expressions as they are, numbers as `Const`."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return Const(value)
    raise TypeError(_("cannot make an expression of a {kind} ({value})").format(
        kind=type(value).__name__, value=f"{value!r:.60}"))


def sin(a) -> Expr:
    return Sin(a)


def cos(a) -> Expr:
    return Cos(a)


def exp(a) -> Expr:
    return Exp(a)


def log(a) -> Expr:
    return Log(a)


def variables(names: str) -> tuple[Var, ...]:
    """`x, y = variables("x y")`."""
    return tuple(Var(n) for n in names.replace(",", " ").split())


# --- traversals (each distinct node once, no recursion) -----------------------------------

def postorder(expr: Expr) -> list[Expr]:
    """The distinct nodes of `expr`, every child before its parents."""
    order, seen, stack = [], set(), [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.args) if id(child) not in seen)
    return order


def _fold(expr: Expr, leaf: Callable[[Expr], Any], node: Callable[[Expr, list], Any]):
    values: dict[int, Any] = {}
    for n in postorder(expr):
        values[id(n)] = leaf(n) if not n.args else node(n, [values[id(c)] for c in n.args])
    return values[id(expr)]


def tree_size(expr: Expr, cap: int | None = None) -> int:
    """Nodes of the tree, a shared node counted once per place it appears.

    Computed on the graph (each distinct node once), so it costs what the graph costs.
    With `cap`, a tree larger than `cap` gives cap + 1 (no huge integers are formed).
    """
    if cap is None:
        return _fold(expr, lambda n: 1, lambda n, sizes: 1 + sum(sizes))
    return _fold(expr, lambda n: 1, lambda n, sizes: min(cap + 1, 1 + sum(sizes)))


def distinct_nodes(expr: Expr, cap: int | None = None) -> int:
    """Nodes of the graph: a shared node counted once (what evaluating it costs).

    With `cap`, the count stops at cap + 1: it costs at most cap + 1 nodes' visits."""
    if cap is None:
        return len(postorder(expr))
    seen, stack = {id(expr)}, [expr]
    while stack and len(seen) <= cap:
        for child in stack.pop().args:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return min(len(seen), cap + 1)


_NUMPY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
          "neg": np.negative, "sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log}


def evaluate(expr: Expr, env: dict):
    """The value of `expr` with each variable's value taken from `env`."""
    def leaf(n):
        if isinstance(n, Const):
            return n.value
        if n.name not in env:
            raise KeyError(_("no value given for the variable {name}").format(name=repr(n.name)))
        return env[n.name]

    return _fold(expr, leaf, lambda n, values: _NUMPY[n.op](*values))


class ExpressionTooLarge(ValueError):
    """An expression too large for what was asked of it (printing it as a tree, handing
    it to SymPy); the message says how large it is and what the bound is."""


#: What `to_sympy` accepts: nodes of the tree, the degree of the expression as a
#: polynomial in its variables and functions, and the terms that expanding it may form
#: (SymPy works on trees, and `sympy.expand` of (x + 1)**8192, from 16 shared nodes,
#: runs for minutes).
SYMPY_TREE_SIZE = 20_000
SYMPY_DEGREE = 128
SYMPY_TERMS = 20_000

_CAP = 10 ** 12


def _count(n: int) -> str:
    return f"{n:,}" if n <= _CAP else _("more than {count}").format(count=f"{_CAP:,}")


def _combinations(n: int, k: int) -> int:
    """C(n, k), or _CAP + 1 once it exceeds _CAP."""
    k = min(k, n - k)
    if k < 0:
        return 0
    value = 1
    for i in range(1, k + 1):
        value = value * (n - k + i) // i
        if value > _CAP:
            return _CAP + 1
    return value


def expansion_size(expr: Expr) -> tuple[int, int, int]:
    """(degree, terms, work) of expanding `expr`, bounded from above and computed on
    the graph: its degree as a polynomial in its variables and function values, the
    terms its expanded form may have, and the terms that expanding every node may form
    on the way. Each is capped (a value over 10**12 is reported as 10**12 + 1)."""
    def integer_exponent(n):
        e = n.args[1]
        return isinstance(e, Const) and e.value.is_integer() and abs(e.value) <= _CAP

    atoms = sum(1 for n in postorder(expr) if isinstance(n, Var) or n.op in ("sin", "cos", "exp", "log")
                or (n.op == "**" and not integer_exponent(n)))
    degree: dict[int, int] = {}
    terms: dict[int, int] = {}
    work = 0
    for n in postorder(expr):
        a = [id(c) for c in n.args]
        if isinstance(n, Const):
            d, t = 0, 1
        elif isinstance(n, Var) or n.op in ("sin", "cos", "exp", "log"):
            d, t = 1, 1
        elif n.op in ("+", "-"):
            d, t = max(degree[a[0]], degree[a[1]]), terms[a[0]] + terms[a[1]]
        elif n.op == "neg":
            d, t = degree[a[0]], terms[a[0]]
        elif n.op == "*":
            d, t = degree[a[0]] + degree[a[1]], terms[a[0]] * terms[a[1]]
        elif n.op == "/":
            d, t = degree[a[0]], terms[a[0]] + terms[a[1]]
        elif integer_exponent(n):
            k = int(abs(n.args[1].value))
            d = degree[a[0]] * k
            t = 1 if k == 0 else _combinations(terms[a[0]] + k - 1, k)
        else:
            d, t = 1, 1
        d = min(d, _CAP + 1)
        work = min(_CAP + 1, work + min(t, _CAP + 1))
        t = min(t, _combinations(d + atoms, atoms), _CAP + 1)  # like terms are combined
        degree[id(n)], terms[id(n)] = d, t
    return max(degree.values()), terms[id(expr)], work


def check_size(expr: Expr, what: str | None = None, tree: int | None = None,
               degree: int | None = None, terms: int | None = None) -> None:
    """Raise ExpressionTooLarge, saying how large `expr` (by default "the expression") is,
    when its tree has more than `tree` nodes or expanding it goes past `degree` or `terms`
    (each bound when given)."""
    what = _("the expression") if what is None else what
    if tree is not None:
        size = tree_size(expr, cap=max(tree, _CAP))
        if size > tree:
            raise ExpressionTooLarge(
                _("{what} has {count} nodes when printed as a tree ({distinct} distinct, shared); "
                  "expected at most {bound}").format(what=what, count=_count(size),
                                                     distinct=f"{distinct_nodes(expr):,}", bound=f"{tree:,}"))
    if degree is not None or terms is not None:
        d, _terms, work = expansion_size(expr)
        if degree is not None and d > degree:
            raise ExpressionTooLarge(
                _("{what} has degree {degree} as a polynomial (in its variables and function values); "
                  "expected at most {bound}").format(what=what, degree=_count(d), bound=f"{degree:,}"))
        if terms is not None and work > terms:
            raise ExpressionTooLarge(
                _("expanding {what} forms {count} terms; expected at most {bound}").format(
                    what=what, count=_count(work), bound=f"{terms:,}"))


def to_sympy(expr: Expr):
    """The SymPy expression of `expr` (SymPy is imported only when this is called).

    Refused (ExpressionTooLarge) when the tree has more than SYMPY_TREE_SIZE nodes, or
    a degree over SYMPY_DEGREE, or when expanding it could form more than SYMPY_TERMS
    terms: SymPy's work on such an expression has no useful bound.
    """
    check_size(expr, tree=SYMPY_TREE_SIZE, degree=SYMPY_DEGREE, terms=SYMPY_TERMS)
    import sympy

    functions = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                 "/": lambda a, b: a / b, "**": lambda a, b: a ** b, "neg": lambda a: -a,
                 "sin": sympy.sin, "cos": sympy.cos, "exp": sympy.exp, "log": sympy.log}

    def leaf(n):
        if isinstance(n, Const):
            v = n.value
            return sympy.Integer(int(v)) if v.is_integer() else sympy.Float(v)
        return sympy.Symbol(n.name, real=True)

    return _fold(expr, leaf, lambda n, values: functions[n.op](*values))


# --- printing --------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}


def _precedence(n: Expr) -> int:
    if isinstance(n, Const) and n.value < 0:
        return 3
    return _PRECEDENCE.get(n.op, 5)


def _number(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def to_infix(expr: Expr, limit: int = 20_000) -> str:
    """Readable infix text, e.g. "x * sin(x) + 1"; longer than `limit` characters, its
    first `limit` characters and "...". The text is written from the left and stops at
    the limit, so printing costs at most `limit` characters (and the depth of the
    tree), however large the tree."""
    parts, length = [], 0
    for token in _infix_tokens(expr):
        parts.append(token)
        length += len(token)
        if length > limit:
            return "".join(parts)[:limit] + "..."
    return "".join(parts)


def _infix_tokens(expr: Expr) -> Iterable[str]:
    """The pieces of the infix text of `expr`, left to right (no recursion)."""
    stack: list = [expr]
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            yield n
            continue
        if not n.args:
            yield _number(n.value) if isinstance(n, Const) else n.name
            continue
        p = _precedence(n)
        if n.op in ("sin", "cos", "exp", "log"):
            stack += [")", n.args[0], f"{n.op}("]
            continue
        if n.op == "neg":
            a = n.args[0]
            stack += [a, "-"] if _precedence(a) > p else [")", a, "-("]
            continue
        left, right = n.args
        bare_left = _precedence(left) > p or (_precedence(left) == p and n.op != "**")
        # The right operand needs parentheses at equal precedence, except for + and *.
        bare_right = _precedence(right) > p or (_precedence(right) == p and n.op in ("+", "*"))
        if n.op == "**":
            bare_right = _precedence(right) > p
        stack += [right] if bare_right else [")", right, "("]
        stack.append(f" {n.op} ")
        stack += [left] if bare_left else [")", left, "("]


# --- as data (what crosses between the grader and a kernel) ---------------------------

#: Most nodes (distinct, after sharing) an expression may have on the wire: what the
#: grader does with an answer (evaluate it, measure it) costs about a second per 100,000,
#: and every answer to the hidden tests has fewer than 10,000.
MAX_NODES = 100_000


def to_data(expr: Expr) -> list:
    """The graph as a list of nodes, children first: ["const", 2.0], ["var", "x"],
    ["+", i, j] with i, j the positions of the children in the list."""
    index, data = {}, []
    for n in postorder(expr):
        if isinstance(n, Const):
            data.append(["const", n.value])
        elif isinstance(n, Var):
            data.append(["var", n.name])
        else:
            data.append([n.op, *(index[id(c)] for c in n.args)])
        index[id(n)] = len(data) - 1
    return data


def from_data(data: Any) -> Expr:
    """The expression that `to_data` wrote; anything malformed raises ValueError."""
    if not isinstance(data, list) or not data:
        raise ValueError("an expression is a non-empty list of nodes")
    if len(data) > MAX_NODES:
        raise ValueError(f"an expression of more than {MAX_NODES} distinct nodes")
    built: list[Expr] = []
    for item in data:
        if not isinstance(item, list) or not item or not isinstance(item[0], str):
            raise ValueError("an expression node is a list [operation, ...]")
        op, rest = item[0], item[1:]
        cls = CLASSES.get(op)
        if cls is None:
            raise ValueError(f"unknown operation {op!r:.40} in an expression")
        if cls is Const:
            if len(rest) != 1 or type(rest[0]) not in (int, float):
                raise ValueError("a constant holds one number")
            built.append(Const(rest[0]))
        elif cls is Var:
            if len(rest) != 1 or not isinstance(rest[0], str) or len(rest[0]) > 100:
                raise ValueError("a variable holds one short name")
            built.append(Var(rest[0]))
        else:
            arity = 2 if op in ("+", "-", "*", "/", "**") else 1
            if len(rest) != arity or any(type(i) is not int or not 0 <= i < len(built) for i in rest):
                raise ValueError(f"a {op} node refers to {arity} earlier node(s)")
            built.append(cls(*(built[i] for i in rest)))
    return built[-1]


def free_variables(expr: Expr) -> set[str]:
    return {n.name for n in postorder(expr) if isinstance(n, Var)}


def walk(expr: Expr) -> Iterable[Expr]:
    """Every distinct node, children first."""
    return iter(postorder(expr))
