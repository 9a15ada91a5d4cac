# The chain rule forgotten: sin(u)' = cos(u), exp(u)' = exp(u), log(u)' = 1 / u.
# base: solution
# loses: diff
# %% diff
def diff(expr, var):
    if isinstance(expr, Const):
        return Const(0)
    if isinstance(expr, Var):
        return Const(1) if expr == var else Const(0)
    if isinstance(expr, Neg):
        return -diff(expr.arg, var)
    if isinstance(expr, Sin):
        return cos(expr.arg)
    if isinstance(expr, Cos):
        return -sin(expr.arg)
    if isinstance(expr, Exp):
        return exp(expr.arg)
    if isinstance(expr, Log):
        return 1 / expr.arg
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
    return u ** v * (dv * log(u) + v * du / u)
