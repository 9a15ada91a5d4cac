# Gradients pushed along every path from the output, without a topological order: right
# numbers, exponential time (and a second call adds to the first).
# base: solution
# loses: backward
# %% backward
def backward(output):
    output.grad = 1.0
    stack = [(output, 1.0)]
    while stack:
        node, g = stack.pop()
        for parent, local in node.parents:
            parent.grad += g * local
            stack.append((parent, g * local))
