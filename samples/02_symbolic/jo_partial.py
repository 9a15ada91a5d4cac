# Two exercises answered, the rest left alone.
# base: blank
# loses: simplify, logistic_map, compile_expr
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
        outer = {Sin: cos(u), Cos: -sin(u), Exp: exp(u), Log: 1 / u}[type(expr)]
        return outer * diff(u, var)
    u, v = expr.args
    du, dv = diff(u, var), diff(v, var)
    if isinstance(expr, Add):
        return du + dv
    if isinstance(expr, Sub):
        return du - dv
    if isinstance(expr, Mul):
        return du * v + u * dv
    if isinstance(expr, Div):
        return du / v - u * dv / (v * v)
    if isinstance(v, Const):
        return v * u ** Const(v.value - 1) * du
    return exp(v * log(u)) * diff(v * log(u), var)
# %% count_nodes
def count_nodes(expr):
    return 1 + sum(map(count_nodes, expr.args))
