# Constants folded with Python's operators and math, guarding only division by zero:
# simplify(log(Const(-1))) raises instead of returning an equal expression.
# base: solution
# loses: simplify
# %% simplify
import math
import operator

_FOLD = {Add: operator.add, Sub: operator.sub, Mul: operator.mul, Div: operator.truediv,
         Pow: operator.pow, Neg: operator.neg, Sin: math.sin, Cos: math.cos, Exp: math.exp, Log: math.log}


def simplify(expr):
    if not expr.args:
        return expr
    args = [simplify(a) for a in expr.args]
    expr = type(expr)(*args)
    if all(isinstance(a, Const) for a in args):
        try:
            return Const(_FOLD[type(expr)](*(a.value for a in args)))
        except ZeroDivisionError:
            return expr

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
