# backward sets a parent's gradient to the last contribution instead of adding them.
# base: solution
# loses: backward, train_mlp
# %% backward
def backward(output):
    """Fill `.grad` of every Tensor that the scalar `output` depends on with
    d output / d tensor, an array of the tensor's shape (output.grad = 1).

    The nodes are put in topological order once (an iterative depth-first search, so
    deep graphs work); then, from the output down, each node's gradient is complete
    before it is passed to its parents through their VJPs, and a tensor reached along
    several paths (or twice as a parent) gets the sum of the contributions.
    """
    order, seen, stack = [], {output}, [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for parent, _ in parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    grads = {output: np.ones_like(output.data)}
    owned = set()  # sums made here: safe to add into in place (a VJP may return g itself)
    for node in reversed(order):
        g = grads.pop(node)
        node.grad = np.asarray(g)
        for parent, vjp in node.parents:
            contribution = vjp(g)
            grads[parent] = contribution
    ### END SOLUTION
