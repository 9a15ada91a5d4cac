# Lets SymPy differentiate and converts the result back: detected, no points for diff.
# base: solution
# loses: diff
# %% diff
import sympy
from adcourse import expressions as E


def _back(s):
    if s.is_Symbol:
        return E.Var(s.name)
    if s.is_Number:
        return E.Const(float(s))
    args = [_back(a) for a in s.args]
    if s.is_Add or s.is_Mul:
        result = args[0]
        for a in args[1:]:
            result = result + a if s.is_Add else result * a
        return result
    if s.is_Pow:
        return args[0] ** args[1]
    return {"sin": E.sin, "cos": E.cos, "exp": E.exp, "log": E.log}[s.func.__name__](args[0])


def diff(expr, var):
    return _back(sympy.diff(expr.to_sympy(), sympy.Symbol(var.name, real=True)))
