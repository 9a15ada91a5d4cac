# count_nodes counts a shared subexpression once (the graph, not the tree).
# base: solution
# loses: count_nodes
# %% count_nodes
def count_nodes(expr):
    seen = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.args)
    return len(seen)
