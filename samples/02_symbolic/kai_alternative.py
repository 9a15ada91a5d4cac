# Right answers written differently: a rule table, simplification inside diff, closures.
# base: solution
# %% diff
RULES = {
    Sin: lambda u: cos(u),
    Cos: lambda u: -sin(u),
    Exp: lambda u: exp(u),
    Log: lambda u: 1 / u,
}


def diff(expr, var):
    if isinstance(expr, Const) or (isinstance(expr, Var) and expr != var):
        return Const(0.0)
    if isinstance(expr, Var):
        return Const(1.0)
    if type(expr) in RULES:
        inner = diff(expr.arg, var)
        if isinstance(inner, Const) and inner.value == 0:
            return Const(0.0)
        return RULES[type(expr)](expr.arg) * inner
    if isinstance(expr, Neg):
        return Neg(diff(expr.arg, var))
    u, v = expr.args
    du, dv = diff(u, var), diff(v, var)
    if isinstance(expr, (Add, Sub)):
        return type(expr)(du, dv)
    if isinstance(expr, Mul):
        return Add(Mul(du, v), Mul(u, dv))
    if isinstance(expr, Div):
        return Sub(Div(du, v), Div(Mul(u, dv), Pow(v, Const(2))))
    if isinstance(v, Const):
        return Mul(Mul(v, Pow(u, Const(v.value - 1))), du)
    return Mul(expr, Add(Mul(dv, log(u)), Div(Mul(v, du), u)))
# %% count_nodes
def count_nodes(expr):
    total, stack = 0, [expr]
    while stack:
        node = stack.pop()
        total += 1
        stack.extend(node.args)
    return total
# %% logistic_map
def logistic_map(n):
    if n == 1:
        return Var("x")
    previous = logistic_map(n - 1)
    return Const(4) * previous * (Const(1) - previous)
# %% compile_expr
# NumPy's division, power and functions, as evaluate's: x / 0 is inf, (-8) ** (1/3) nan.
OPS = {Add: lambda a, b: a + b, Sub: lambda a, b: a - b, Mul: lambda a, b: a * b,
       Div: np.divide, Pow: np.power}
FUNCS = {Neg: lambda a: -a, Sin: np.sin, Cos: np.cos, Exp: np.exp, Log: np.log}


def compile_expr(expr, variables):
    position = {v.name: i for i, v in enumerate(variables)}

    def build(e):
        if isinstance(e, Const):
            return lambda values: e.value
        if isinstance(e, Var):
            i = position[e.name]
            return lambda values: values[i]
        parts = [build(a) for a in e.args]
        if type(e) in FUNCS:
            f, (a,) = FUNCS[type(e)], parts
            return lambda values: f(a(values))
        op, (a, b) = OPS[type(e)], parts
        return lambda values: op(a(values), b(values))

    run = build(expr)
    return lambda *values: run(values)
