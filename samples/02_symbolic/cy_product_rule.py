# The product rule written (u v)' = u' v'.
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
    if isinstance(expr, (Sin, Cos, Exp, Log)):
        u = expr.arg
        du = diff(u, var)
        rule = {Sin: lambda: cos(u), Cos: lambda: -sin(u), Exp: lambda: exp(u), Log: lambda: 1 / u}
        return rule[type(expr)]() * du
    u, v = expr.left, expr.right
    du, dv = diff(u, var), diff(v, var)
    if isinstance(expr, Add):
        return du + dv
    if isinstance(expr, Sub):
        return du - dv
    if isinstance(expr, Mul):
        return du * dv
    if isinstance(expr, Div):
        return (du * v - u * dv) / v ** 2
    if isinstance(expr, Pow) and isinstance(v, Const):
        return v.value * u ** (v.value - 1) * du
    return u ** v * (dv * log(u) + v * du / u)
