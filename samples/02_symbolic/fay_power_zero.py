# simplify turns x ** 0 into 0 (it is 1) and otherwise simplifies right.
# base: solution
# loses: simplify
# %% simplify
def simplify(expr):
    if not expr.args:
        return expr
    args = [simplify(a) for a in expr.args]
    expr = type(expr)(*args)
    if all(isinstance(a, Const) for a in args):
        with np.errstate(all="ignore"):
            value = expr.evaluate()
        if np.isfinite(value):
            return Const(value)
    zero = lambda e: isinstance(e, Const) and e.value == 0
    one = lambda e: isinstance(e, Const) and e.value == 1
    if isinstance(expr, Neg):
        return expr.arg.arg if isinstance(expr.arg, Neg) else expr
    if len(args) == 1:
        return expr
    a, b = args
    if isinstance(expr, Add):
        return a if zero(b) else b if zero(a) else expr
    if isinstance(expr, Sub):
        return a if zero(b) else Const(0) if a == b else expr
    if isinstance(expr, Mul):
        return Const(0) if zero(a) or zero(b) else a if one(b) else b if one(a) else expr
    if isinstance(expr, Div):
        return a if one(b) else expr
    if isinstance(expr, Pow):
        return Const(0) if zero(b) else a if one(b) else expr
    return expr
