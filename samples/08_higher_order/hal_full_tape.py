# checkpointed_grad that keeps every state (the full tape), whatever `every` says.
# tape_memory measures this checkpointed_grad, and loses its points too.
# base: solution
# loses: checkpointed_grad, tape_memory
# %% checkpointed_grad
def checkpointed_grad(step, dstep, x0, n, every):
    states = [x0]
    for _ in range(n):
        states.append(step(states[-1]))
    x_n = states.pop()
    g = np.ones_like(np.asarray(x_n, dtype=float))
    while states:
        g = dstep(states.pop(), g)
    return g, x_n
