"""Reference answers of chapter 02_symbolic: symbolic differentiation.

The one source of the chapter's solution code: `autograder build` copies each function
below into the matching answer cell of `solutions/02_symbolic/symbolic.ipynb`.
Expressions are the course's trees (`adcourse.expressions`): a derivative is built by
one recursive traversal, one rule per kind of node, exactly as on paper.

    (u + v)' = u' + v'          (u v)' = u' v + u v'         (u / v)' = (u' v - u v') / v**2
    (u ** c)' = c u**(c-1) u'   (u ** w)' = u**w (w' log u + w u' / u)
    sin(u)' = cos(u) u'   cos(u)' = -sin(u) u'   exp(u)' = exp(u) u'   log(u)' = u' / u
"""
import numpy as np

from adcourse.expressions import (Add, Const, Cos, Div, Exp, Log, Mul, Neg, Pow, Sin,
                                  Sub, Var, cos, exp, log, sin)


def diff(expr, var):
    """The derivative of `expr` with respect to the variable `var`, as an expression.

    Applies the sum, product, quotient, power and chain rules recursively. The result
    is correct but not simplified (it may hold terms such as 0 * x or x * 1).
    """
    if isinstance(expr, Const):
        return Const(0)
    if isinstance(expr, Var):
        return Const(1) if expr == var else Const(0)
    if isinstance(expr, Neg):
        return -diff(expr.arg, var)
    if isinstance(expr, (Sin, Cos, Exp, Log)):
        u = expr.arg
        du = diff(u, var)
        if isinstance(expr, Sin):
            return cos(u) * du
        if isinstance(expr, Cos):
            return -sin(u) * du
        if isinstance(expr, Exp):
            return exp(u) * du
        return du / u
    u, v = expr.left, expr.right
    du, dv = diff(u, var), diff(v, var)
    if isinstance(expr, Add):
        return du + dv
    if isinstance(expr, Sub):
        return du - dv
    if isinstance(expr, Mul):
        return du * v + u * dv
    if isinstance(expr, Div):
        return (du * v - u * dv) / v ** 2
    if isinstance(expr, Pow) and isinstance(v, Const):
        return v.value * u ** (v.value - 1) * du
    if isinstance(expr, Pow):
        return u ** v * (dv * log(u) + v * du / u)
    raise TypeError(f"diff does not know the node {type(expr).__name__}")


def simplify(expr):
    """An expression equal to `expr` and never larger, by these rules applied bottom-up:
    constant folding; x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1, x ** 1 -> x;
    x * 0, 0 * x, x - x -> 0; x ** 0 -> 1; -(-x) -> x.
    """
    if not expr.args:
        return expr
    args = [simplify(a) for a in expr.args]
    expr = type(expr)(*args)
    if all(isinstance(a, Const) for a in args):
        with np.errstate(all="ignore"):
            value = expr.evaluate()
        if np.isfinite(value):  # 1 / 0 and log(-1) are left as they are
            return Const(value)

    def is_const(e, value):
        return isinstance(e, Const) and e.value == value

    if isinstance(expr, Neg):
        return expr.arg.arg if isinstance(expr.arg, Neg) else expr
    if len(args) != 2:
        return expr
    a, b = args
    if isinstance(expr, Add):
        if is_const(b, 0):
            return a
        if is_const(a, 0):
            return b
    elif isinstance(expr, Sub):
        if is_const(b, 0):
            return a
        if a == b:
            return Const(0)
    elif isinstance(expr, Mul):
        if is_const(a, 0) or is_const(b, 0):
            return Const(0)
        if is_const(b, 1):
            return a
        if is_const(a, 1):
            return b
    elif isinstance(expr, Div):
        if is_const(b, 1):
            return a
    elif isinstance(expr, Pow):
        if is_const(b, 0):
            return Const(1)
        if is_const(b, 1):
            return a
    return expr


def count_nodes(expr):
    """The number of nodes of the expression tree (a subexpression that occurs twice
    counts twice: this is the size of the tree as printed)."""
    return 1 + sum(count_nodes(a) for a in expr.args)


def logistic_map(n):
    """The expression l_n in the variable x, with l_1 = x and l_(k+1) = 4 l_k (1 - l_k)."""
    if n < 1:
        raise ValueError(f"the logistic map starts at n = 1, not {n}")
    x = Var("x")
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


def compile_expr(expr, variables):
    """A Python function of the given variables (in that order) that computes exactly what
    `expr.evaluate` computes.

    The expression is turned into the source code of a lambda and compiled once. Every
    constant and every operation is parenthesised, so the tree decides the order of
    operations, never Python's precedence ((-2) ** 2 is 4; -2 ** 2 would be -4). Division
    and powers are NumPy's, as `evaluate`'s are: x / 0 is inf and (-8) ** (1/3) nan, where
    Python's operators on floats raise an error or give a complex number. NumPy's
    functions also make the function work elementwise on arrays.
    """
    def source(e):
        if isinstance(e, Const):
            return f"({e.value!r})"
        if isinstance(e, Var):
            return e.name
        if isinstance(e, Neg):
            return f"(-{source(e.arg)})"
        if isinstance(e, (Sin, Cos, Exp, Log)):
            return f"np.{type(e).__name__.lower()}({source(e.arg)})"
        if isinstance(e, (Div, Pow)):
            return f"np.{'divide' if isinstance(e, Div) else 'power'}({source(e.left)}, {source(e.right)})"
        return f"({source(e.left)} {e.op} {source(e.right)})"

    names = [v.name for v in variables]
    return eval(f"lambda {', '.join(names)}: {source(expr)}", {"np": np, "inf": np.inf, "nan": np.nan})
