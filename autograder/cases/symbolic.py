"""Hidden-test inputs, harnesses and typical mistakes of chapter 02_symbolic.

Answers of this chapter are expressions, which are judged by value, never by shape:
a harness evaluates the student's expression and the reference's at a few points
(`points_for`), so an unsimplified but correct derivative passes and a wrong rule
fails. Every point lies inside the domain of the expressions drawn here: variables
take values in [0.5, 2], and the generator takes logarithms and non-integer powers
of positive subexpressions only.

The expected derivative of every drawn case is also checked against SymPy's when the
cases are drawn, so the hidden tests compare the student's `diff` with SymPy.

An answer is measured on its graph before anything else is done with it: more distinct
nodes than `answer_bound` allows, or (for `simplify`) a larger tree than allowed, fails
at a cost of at most that many nodes' visits, and a message shows a bounded prefix of
it (`to_infix` stops writing at its limit).
"""
from __future__ import annotations

import zlib

import numpy as np

from adcourse.diagnostics import Mistake
from adcourse.i18n import _
from adcourse.expressions import (Add, Const, Cos, Div, Exp, Expr, Log, Mul, Neg, Pow, Sin,
                                  Sub, Var, cos, distinct_nodes, evaluate, exp, free_variables,
                                  log, sin, to_infix, tree_size)
from autograder.cases import generator
from autograder.checking import Case, Unacceptable
from autograder.reference import symbolic as ref

#: Libraries that compute derivatives or simplify symbolically: not allowed to answer.
FORBIDDEN = ("sympy", "symengine")
#: What `compile_expr` may not call either: the function it returns computes the expression itself.
NOT_EVALUATE = ("adcourse.expressions:evaluate",)

#: Where the variables are drawn: every expression of the generator is defined there.
DOMAIN = (0.5, 2.0)
POINTS = 5

X, Y, Z = Var("x"), Var("y"), Var("z")

#: Operations at the root of drawn expressions, so that every rule is exercised.
OPERATIONS = ("+", "-", "*", "/", "neg", "**c", "**", "sin", "cos", "exp", "log")


# --- drawing expressions ------------------------------------------------------------------

def _leaf(rng, names, positive):
    if rng.random() < 0.6:
        return Var(str(rng.choice(names)))
    value = float(rng.choice([0.5, 1.5, 2.0, 3.0])) if positive else float(rng.choice([-2.0, -0.5, 1.5, 2.0, 3.0]))
    return Const(value)


def random_expression(rng, depth: int, names=("x",), positive: bool = False, root: str | None = None) -> Expr:
    """An expression of the given depth whose root operation is `root` (or random).

    With `positive`, the expression is positive wherever its variables are in DOMAIN,
    so that it may be the argument of a logarithm or the base of a real power.
    """
    if depth == 0:
        return _leaf(rng, names, positive)
    allowed = ("+", "*", "/", "**c", "**", "exp") if positive else OPERATIONS
    op = root if root is not None else str(rng.choice(allowed))
    sub = lambda pos=False: random_expression(rng, depth - 1, names, pos or positive)  # noqa: E731
    if op == "+":
        return Add(sub(), sub())
    if op == "-":
        return Sub(sub(), sub())
    if op == "*":
        return Mul(sub(), sub())
    if op == "/":
        return Div(sub(), sub(True))
    if op == "neg":
        return Neg(sub())
    if op == "**c":
        exponent = float(rng.choice([2.0, 3.0, -1.0, 0.5, 1.5, -2.0]))
        return Pow(sub(True), Const(exponent))
    if op == "**":
        return Pow(sub(True), random_expression(rng, max(depth - 2, 0), names, False))
    if op == "sin":
        return Sin(sub())
    if op == "cos":
        return Cos(sub())
    if op == "exp":
        return Exp(random_expression(rng, depth - 1, names, False) * Const(0.5))
    if op == "log":
        return Log(sub(True))
    raise ValueError(f"unknown operation {op!r}")


def points_for(*exprs: Expr, n: int = POINTS) -> dict:
    """Values in DOMAIN for every variable of `exprs`, the same for the same input."""
    names = sorted(set().union(*(free_variables(e) for e in exprs)) | {"x"})
    rng = generator(zlib.crc32(" ".join(map(to_infix, exprs)).encode()))
    return {name: rng.uniform(*DOMAIN, size=n) for name in names}


def _tame(expr: Expr, var: Var) -> bool:
    """True when expr and its derivative have moderate finite values at the points."""
    env = points_for(expr, var)
    with np.errstate(all="ignore"):
        values = [evaluate(expr, env), evaluate(ref.diff(expr, var), env)]
    return all(np.all(np.isfinite(v)) and np.all(np.abs(v) < 1e6) for v in values)


def _draw(rng, depth, names, root, var=X) -> Expr:
    """A tame expression with an operand of the root that depends on `var` (so that the rule at
    the root matters), and whose derivative is not zero."""
    for _unused in range(500):
        expr = random_expression(rng, depth, names, root=root)
        operands = expr.args[:1] if root == "**c" else expr.args
        if any(var.name in free_variables(a) for a in operands) and _tame(expr, var) \
                and np.any(evaluate(ref.diff(expr, var), points_for(expr, var)) != 0):
            return expr
    raise RuntimeError(f"no tame expression with root {root} at depth {depth}")


# --- harnesses: answers as values ------------------------------------------------------

def _short(expr: Expr) -> str:
    text = to_infix(expr, limit=200)
    return text if len(text) <= 200 else text[:200] + "..."


#: An answer may have this many distinct nodes per node of its input's tree (and
#: ANSWER_NODES more): far more than any rule needs, and what bounds the grader's work.
NODES_PER_INPUT_NODE, ANSWER_NODES = 50, 1000


def answer_bound(*inputs: Expr) -> int:
    """Most distinct nodes an answer computed from `inputs` may have."""
    return ANSWER_NODES + NODES_PER_INPUT_NODE * sum(tree_size(e, cap=10**6) for e in inputs)


def values_of(result, env: dict, what: str, at_most: int | None = None):
    """The values of the expression `result` at `env`; anything else is Unacceptable, and
    so is an expression of more than `at_most` distinct nodes (found before anything else
    is done with it)."""
    if not isinstance(result, Expr):
        kind = getattr(result, "_label", None) or type(result).__name__
        raise Unacceptable(_("returned {kind} {value}, not an expression of adcourse.expressions: "
                             "{exercise} builds its answer from the course's classes (Const, Var, Add, "
                             "..., or the operators + - * / ** on them)").format(
                                 kind=kind, value=f"{result!r:.100}", exercise=what))
    if at_most is not None and distinct_nodes(result, cap=at_most) > at_most:
        raise Unacceptable(_("returned {expression}, an expression of more than {count} distinct "
                             "nodes: far more than {exercise} needs for this input").format(
                                 expression=_short(result), count=f"{at_most:,}", exercise=what))
    extra = free_variables(result) - set(env)
    if extra:
        raise Unacceptable(_("returned {expression}, which holds the variable(s) {names} that the "
                             "input does not have").format(expression=_short(result),
                                                           names=", ".join(sorted(extra))))
    with np.errstate(all="ignore"):
        values = evaluate(result, env)
    return np.broadcast_to(np.asarray(values, dtype=float), np.shape(next(iter(env.values())))).copy()


def derivative_values(diff, expr, var):
    """diff(expr, var), as its values at the points of `expr`."""
    return values_of(diff(expr, var), points_for(expr, var), "diff", answer_bound(expr))


def simplified_values(simplify, expr, at_most: str = "input"):
    """simplify(expr) as its values, provided it is no larger than allowed.

    `at_most` is "input" (never larger than the expression given) or "rules" (no
    larger than the listed rules make it, applied bottom-up: the reference's size).
    """
    result = simplify(expr)
    bound, target = tree_size(expr), _("the expression it was given")
    if at_most == "rules":
        bound, target = tree_size(ref.simplify(expr)), _("what the rules give ({expression})").format(
            expression=_short(ref.simplify(expr)))
    # Measured before anything else: its distinct nodes (at most bound + 1 visited), then
    # its tree, on the graph and without huge integers.
    distinct = distinct_nodes(result, cap=bound) if isinstance(result, Expr) else 0
    size = distinct if distinct > bound else tree_size(result, cap=SIZE_CAP) if distinct else 0
    if size > bound:
        shown = (_("more than {count} distinct nodes").format(count=f"{bound:,}") if distinct > bound
                 else _("{nodes} when printed as a tree").format(nodes=_nodes_text(size)))
        raise Unacceptable(_("returned {expression}, of {size}: larger than {target}, of {bound}").format(
            expression=_short(result), size=shown, target=target, bound=_nodes_text(bound)))
    return values_of(result, points_for(expr), "simplify")


#: Tree sizes are counted up to this (a larger one is reported as "more than").
SIZE_CAP = 10 ** 12


def _nodes_text(n: int) -> str:
    if n > SIZE_CAP:
        return _("more than {count} nodes").format(count=f"{SIZE_CAP:,}")
    return (_("{count} nodes") if n != 1 else _("{count} node")).format(count=f"{n:,}")


def simplified_by_rules(simplify, expr):
    return simplified_values(simplify, expr, at_most="rules")


def map_values(logistic_map, n):
    """logistic_map(n) as its values at points of (0, 1)."""
    rng = generator(500 + n)
    return values_of(logistic_map(n), {"x": rng.uniform(0.05, 0.95, size=POINTS)}, "logistic_map",
                     answer_bound(ref.logistic_map(n)))


class Points(dict):
    """Points chosen for a case (variable name -> values), shown as such in messages."""

    def __repr__(self):
        return _("at {points}").format(points=", ".join(
            f"{name} = {np.array2string(np.asarray(v), precision=4, separator=', ')}" for name, v in self.items()))


def derivative_values_at(diff, expr, var, points):
    """diff(expr, var), as its values at the chosen `points`."""
    env = {name: np.asarray(v, dtype=float) for name, v in points.items()}
    return values_of(diff(expr, var), env, "diff", answer_bound(expr))


def compiled_values_at(compile_expr, expr, variables, points):
    """compile_expr(expr, variables), called with floats at each of the chosen `points`."""
    function = compile_expr(expr, variables)
    if not callable(function):
        raise Unacceptable(_("returned {value}, not a function").format(value=f"{function!r:.100}"))
    env = {name: np.asarray(v, dtype=float) for name, v in points.items()}
    n = len(next(iter(env.values())))
    with np.errstate(all="ignore"):
        return np.array([float(function(*(float(env[v.name][i]) for v in variables))) for i in range(n)])


def compiled_values(compile_expr, expr, variables):
    """compile_expr(expr, variables), called at each point with floats (in that order)."""
    function = compile_expr(expr, variables)
    if not callable(function):
        raise Unacceptable(_("returned {value}, not a function").format(value=f"{function!r:.100}"))
    env = points_for(expr, *variables)
    return np.array([float(function(*(float(env[v.name][i]) for v in variables)))
                     for i in range(POINTS)])


# --- cases ---------------------------------------------------------------------------------

def _check_with_sympy(expr: Expr, var: Var) -> None:
    """The reference's derivative equals SymPy's at the points (else the case is wrong)."""
    import sympy

    env = points_for(expr, var)
    symbols = [sympy.Symbol(name, real=True) for name in env]
    exact = sympy.diff(expr.to_sympy(), sympy.Symbol(var.name, real=True))
    oracle = sympy.lambdify(symbols, exact, "numpy")(*env.values())
    mine = evaluate(ref.diff(expr, var), env)
    if not np.allclose(mine, oracle, rtol=1e-8, atol=1e-10):
        raise RuntimeError(f"the reference derivative of {expr} disagrees with SymPy's")


def diff_cases(seed: int) -> list[Case]:
    """Every rule at the root, at depths 1 to 3, in x, and in x and y; derivatives with
    respect to x, to y, and to a variable absent from the expression."""
    rng = generator(seed)
    cases = []
    for depth in (1, 2, 3):
        for op in OPERATIONS:
            names = ("x",) if depth < 3 else ("x", "y")
            cases.append(Case((_draw(rng, depth, names, op), X)))
    cases.append(Case((_draw(rng, 3, ("x", "y"), "*", var=Y), Y)))
    cases.append(Case((_draw(rng, 3, ("x", "y"), "sin", var=Y), Y)))
    cases.append(Case((_draw(rng, 2, ("x", "y"), "+"), Z)))
    cases.append(Case((ref.logistic_map(4), X)))
    for case in cases:
        _check_with_sympy(*case.args)
    return cases


def simplify_rule_cases() -> list[Case]:
    """Each rule alone, inside a larger expression, and rules that enable each other."""
    x, y = X, Y
    zero, one, two, three = Const(0), Const(1), Const(2), Const(3)
    exprs = [
        Add(two, three), Mul(Add(one, two), Sub(three, Const(0.5))), Neg(three), Log(one),
        Add(x, zero), Add(zero, x), Sub(sin(x), zero), Mul(x, one), Mul(one, cos(x)),
        Mul(exp(x), zero), Mul(zero, y), Div(x, one), Pow(x, one), Pow(sin(x), zero),
        Sub(Mul(x, y), Mul(x, y)), Neg(Neg(x)), Neg(Neg(Neg(y))),
        sin(Add(Mul(x, one), zero)), Mul(Add(x, zero), Sub(y, y)),
        Add(Mul(Const(3), Pow(x, Const(2))), Mul(Mul(x, Const(0)), y)),
        Sub(Add(x, zero), x), Pow(x, Sub(two, one)), Div(Mul(one, x), Pow(y, zero)),
        Add(Mul(cos(x), one), Mul(sin(x), zero)), Div(one, Const(0)),
    ]
    return [Case((e,)) for e in exprs]


def simplify_cases(seed: int) -> list[Case]:
    """Derivatives (which are full of 0 * u and u * 1) and random expressions."""
    rng = generator(seed)
    cases = [Case((ref.diff(_draw(rng, depth, ("x", "y"), op), X),))
             for depth in (1, 2, 3) for op in OPERATIONS[::2]]
    cases += [Case((random_expression(rng, 3, ("x", "y")),)) for _ in range(6)]
    cases.append(Case((ref.diff(ref.logistic_map(3), X),)))
    return [c for c in cases if _tame(c.args[0], X)]


def _shared() -> Expr:
    u = sin(X) * X
    v = u * u + u
    return v / v


def count_nodes_cases(seed: int) -> list[Case]:
    """Leaves, random trees, and trees that hold the same subexpression several times."""
    rng = generator(seed)
    cases = [Case((X,)), Case((Const(2.5),)), Case((Neg(X),)), Case((_shared(),)),
             Case((ref.logistic_map(5),)), Case((ref.diff(ref.logistic_map(4), X),))]
    cases += [Case((random_expression(rng, depth, ("x", "y")),)) for depth in (1, 2, 3, 4, 5)]
    return cases


def logistic_map_cases() -> list[Case]:
    return [Case((n,)) for n in range(1, 9)]


#: Where NumPy's operators and functions (what `evaluate` computes with) differ from
#: Python's and the `math` module's: a negative base, zero, a division by zero, an overflow.
NEGATIVE_AND_ZERO = Points({"x": [-2.0, -1.5, -0.5, 0.0, 1.25]})


def special_diff_cases() -> list[Case]:
    """Powers with a number exponent at negative bases and at 0, where the power rule
    c u**(c-1) u' is defined and the general one (through log u, or dividing by u) is not."""
    exprs = (X ** Const(3.0), X ** Const(2.0), Const(3.0) * X ** Const(4.0) - X, sin(X) * X ** Const(2.0),
             (X + Const(1.0)) ** Const(3.0), exp(X ** Const(2.0)))
    return [Case((e, X, NEGATIVE_AND_ZERO)) for e in exprs]


def special_compile_cases() -> list[Case]:
    """Points where Python's `/`, `**` and `math` raise an error, give a complex number or
    overflow, and `evaluate` gives inf, -inf or nan."""
    return [Case((X / Y, [X, Y], Points({"x": [1.0, -1.0, 0.0, 2.0, 3.0], "y": [0.0, 0.0, 0.0, 1.0, -2.0]}))),
            Case((log(X), [X], Points({"x": [0.0, -1.0, 1.0, np.e, 0.5]}))),
            Case((X ** Const(1 / 3), [X], Points({"x": [-8.0, 8.0, 0.0, -1.0, 27.0]}))),
            Case((exp(X), [X], Points({"x": [1000.0, -1000.0, 0.0, 1.0, 710.0]}))),
            Case((X ** Y, [X, Y], Points({"x": [-8.0, 0.0, 2.0, 10.0, -2.0], "y": [1 / 3, -1.0, 0.5, 400.0, 2.0]}))),
            Case((Const(1.0) / (X - X), [X], Points({"x": [1.0, 2.0, 0.5, -1.0, 3.0]})))]


def special_simplify_cases() -> list[Case]:
    """Constants whose folding Python's operators and `math` refuse (log of 0 or of a
    negative number, a negative base to a fractional power, an overflow, 0 / 0): an
    equal expression is one that evaluates to the same inf or nan."""
    return [Case((e,)) for e in (log(Const(-1.0)), log(Const(0.0)) + X, Const(-8.0) ** Const(1 / 3) * X,
                                  exp(Const(1000.0)) - X, Const(0.0) / Const(0.0) + X, X * (Const(1.0) / Const(0.0)),
                                  sin(Const(2.0)) * cos(Const(3.0)) + X)]


def compile_cases(seed: int) -> list[Case]:
    """Expressions in one, two and three variables, the variables in several orders."""
    rng = generator(seed)
    cases = []
    for op in OPERATIONS:
        cases.append(Case((_draw(rng, 2, ("x",), op), [X])))
    for order in ([X, Y], [Y, X]):
        cases.append(Case((_draw(rng, 3, ("x", "y"), "*"), order)))
    cases.append(Case((_draw(rng, 3, ("x", "y", "z"), "+"), [Z, X, Y])))
    cases.append(Case((Const(4.0), [X])))
    # Where Python's precedence differs from the tree's: the tree decides.
    for expr in (Const(-2.0) ** 2 + X, (-X) ** 2, Const(-0.5) ** 3 + X, X - (Y - X), X / (Y * X),
                 -(X ** 2), Const(2.0) ** -X, X * -Y, (X ** Y) ** 2):
        cases.append(Case((expr, [X, Y])))
    return cases


def _python_source(e, parenthesised: bool) -> str:
    """Python source for `e` with Python's operators and constants written bare; every
    operation in parentheses, or none (Python's precedence then decides)."""
    if isinstance(e, Const):
        return repr(e.value)
    if isinstance(e, Var):
        return e.name
    if isinstance(e, (Sin, Cos, Exp, Log)):
        return f"np.{type(e).__name__.lower()}({_python_source(e.arg, parenthesised)})"
    text = (f"-{_python_source(e.arg, parenthesised)}" if isinstance(e, Neg) else
            f"{_python_source(e.left, parenthesised)} {e.op} {_python_source(e.right, parenthesised)}")
    return f"({text})" if parenthesised else text


def _compiled(e, variables, parenthesised: bool):
    return eval(f"lambda {', '.join(v.name for v in variables)}: {_python_source(e, parenthesised)}", {"np": np})


def _compile_bare_constants(e, variables):
    """Every operation parenthesised, with Python's operators, but constants written bare."""
    return _compiled(e, variables, parenthesised=True)


def _compile_infix(e, variables):
    """The expression written as infix text without any parentheses but the functions'."""
    return _compiled(e, variables, parenthesised=False)


# --- typical mistakes -------------------------------------------------------------------------

def mistaken_diff(mistake: str):
    """A derivative with one rule written the way a typical mistake writes it."""
    def d(e, var):
        if isinstance(e, Const):
            return Const(0)
        if isinstance(e, Var):
            return Const(1) if e == var else Const(0)
        if isinstance(e, Neg):
            return -d(e.arg, var)
        if isinstance(e, (Sin, Cos, Exp, Log)):
            u = e.arg
            du = Const(1) if mistake == "no_chain" else d(u, var)
            if isinstance(e, Sin):
                return cos(u) * du
            if isinstance(e, Cos):
                return (sin(u) if mistake == "cos_sign" else -sin(u)) * du
            if isinstance(e, Exp):
                return exp(u) * du
            return du / u
        u, v = e.left, e.right
        du, dv = d(u, var), d(v, var)
        if isinstance(e, Add):
            return du + dv
        if isinstance(e, Sub):
            return du - dv
        if isinstance(e, Mul):
            return du * dv if mistake == "product" else du * v + u * dv
        if isinstance(e, Div):
            top = du * v + u * dv if mistake == "quotient_sign" else du * v - u * dv
            return top / (v if mistake == "quotient_square" else v ** 2)
        if isinstance(e, Pow) and isinstance(v, Const) and mistake != "general_power":
            lowered = v.value if mistake == "power_not_lowered" else v.value - 1
            return v.value * u ** lowered * du
        return u ** v * (dv * log(u) + v * du / u)
    return d


MISTAKES = {
    "diff": (
        Mistake("the chain rule is missing: the derivative of f(u) is f'(u) times u' "
                "(e.g. sin(u)' = cos(u) * u')", mistaken_diff("no_chain")),
        Mistake("the product rule was taken as (u v)' = u' v'; it is u' v + u v'",
                mistaken_diff("product")),
        Mistake("the quotient rule has the wrong sign: (u / v)' = (u' v - u v') / v**2",
                mistaken_diff("quotient_sign")),
        Mistake("the quotient rule divides by v; it divides by v**2",
                mistaken_diff("quotient_square")),
        Mistake("the power rule kept the exponent: (u**c)' = c u**(c-1) u'",
                mistaken_diff("power_not_lowered")),
        Mistake("the derivative of cos has the wrong sign: cos(u)' = -sin(u) u'",
                mistaken_diff("cos_sign")),
        Mistake("a number exponent went through the general power rule u**v (v' log u + v u'/u), "
                "which is nan for u <= 0; (u**c)' = c u**(c-1) u' is defined for every u",
                mistaken_diff("general_power")),
    ),
    "count_nodes": (
        Mistake("a subexpression that occurs several times was counted once: count it "
                "at every place it occurs (the tree, not the shared graph)",
                lambda e: len({id(n) for n in _nodes(e)})),
        Mistake("only the leaves (constants and variables) were counted; every node counts",
                lambda e: sum(1 for n in _all_nodes(e) if not n.args)),
    ),
    "compile_expr": (
        Mistake("the variables were taken in alphabetical order; the function's arguments "
                "are the variables in the order of the list given",
                lambda e, variables: ref.compile_expr(e, sorted(variables, key=lambda v: v.name))),
        Mistake("the answer called adcourse.expressions.evaluate while",
                lambda e, variables: (lambda *values: evaluate(e, dict(zip([v.name for v in variables], values))))),
        Mistake("a negative constant was written without parentheses: (-2) ** 2 became -2.0 ** 2.0, "
                "which Python reads as -(2 ** 2)", _compile_bare_constants),
        Mistake("the operations were written without parentheses, so Python's precedence decides "
                "(x - (y - x) became x - y - x): parenthesise every operation of the tree", _compile_infix),
    ),
    "logistic_map": (
        Mistake("one step too many: l_1 is x itself, so l_n takes n - 1 steps",
                lambda n: ref.logistic_map(n + 1)),
        Mistake("one step too few: l_1 is x, l_2 = 4 x (1 - x)",
                lambda n: ref.logistic_map(n - 1) if n > 1 else Const(0.0)),
    ),
}


def _nodes(e):
    from adcourse.expressions import postorder
    return postorder(e)


def _all_nodes(e):
    stack = [e]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.args)
