# backward never resets the gradients: right once, wrong when called a second time.
# base: solution
# loses: backward
# %% backward
def backward(output):
    order, visited, stack = [], set(), [(output, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node.parents)
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += node.grad * local
