# The full tape kept as copies of the states: fewer live arrays of step's, as many bytes.
# tape_memory measures this checkpointed_grad, and loses its points too.
# base: solution
# loses: checkpointed_grad, tape_memory
# %% checkpointed_grad
def checkpointed_grad(step, dstep, x0, n, every):
    tape = [np.array(x0, copy=True)]
    x = x0
    for _ in range(n):
        x = step(x)
        tape.append(np.array(x, copy=True))
    tape.pop()
    g = np.ones_like(np.asarray(x, dtype=float))
    while tape:
        g = dstep(tape.pop(), g)
    return g, x
