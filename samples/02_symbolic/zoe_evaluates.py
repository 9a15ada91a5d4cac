# compile_expr returns a function that calls evaluate, which the notebook forbids: right values, no points.
# base: solution
# loses: compile_expr
# %% compile_expr
def compile_expr(expr, variables):
    names = [v.name for v in variables]

    def f(*values):
        return expr.evaluate(dict(zip(names, values)))
    return f
