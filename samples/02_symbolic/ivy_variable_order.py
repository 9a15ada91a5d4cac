# compile_expr takes the variables in alphabetical order, not in the order given.
# base: solution
# loses: compile_expr
# %% compile_expr
def compile_expr(expr, variables):
    names = sorted(v.name for v in variables)

    def f(*values):
        return expr.evaluate(dict(zip(names, values)))
    return f
