# A recursive topological sort, with the recursion limit raised inside backward: the
# exercise's backward is iterative, and works at Python's default limit.
# base: solution
# loses: backward
# %% backward
import sys


def backward(output):
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    order, seen = [], set()

    def visit(node):
        seen.add(id(node))
        for parent, _ in node.parents:
            if id(parent) not in seen:
                visit(parent)
        order.append(node)
    visit(output)
    grads = {id(output): np.ones_like(output.data)}
    for node in reversed(order):
        g = grads.pop(id(node))
        node.grad = g
        for parent, vjp in node.parents:
            c = vjp(g)
            grads[id(parent)] = c if id(parent) not in grads else grads[id(parent)] + c
