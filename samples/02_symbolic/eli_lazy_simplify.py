# simplify returns its argument unchanged: equal, never larger, but no rule applied.
# base: solution
# loses: simplify
# %% simplify
def simplify(expr):
    return expr
