# backward carries each contribution down every path at once: right values, exponential time.
# base: solution
# loses: backward
# %% backward
def backward(output):
    nodes, stack = {output}, [output]
    while stack:
        for parent, _ in stack.pop().parents:
            if parent not in nodes:
                nodes.add(parent)
                stack.append(parent)
    for node in nodes:
        node.grad = np.zeros_like(node.data)
    stack = [(output, np.ones_like(output.data))]
    while stack:
        node, g = stack.pop()
        node.grad = node.grad + g
        for parent, vjp in node.parents:
            stack.append((parent, vjp(g)))
