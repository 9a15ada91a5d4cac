"""Reference answers of chapter 08_higher_order: second derivatives and the memory of
reverse mode.

`hvp` and `hessian` take a scalar function f of a sequence of the chapter's `Var`s
(adcourse.higher_order), written with its elementary functions; `newton_logistic` the
data of chapter 05's logistic regression; `checkpointed_grad` a recurrence given by its
step and the step's vector-Jacobian product.
"""
import math
import tracemalloc

import numpy as np

from adcourse.higher_order import (Dual, Var, full_tape_grad, logistic_loss, recurrence_start, recurrence_step, recurrence_vjp,
                                   tangent_of)
from adcourse.matrix_calculus import sigmoid


def hvp(f, x, v):
    """H(x) v for scalar f of the 1-D array x, by forward over reverse: one call of f on
    x_i = Var(Dual(x_i, v_i)) and one reverse pass; the tangent of x_i's grad is (H v)_i.
    H is never formed. Returns a 1-D float array of x's length; x and v are not modified."""
    xs = [Var(Dual(a, b)) for a, b in zip(np.asarray(x, dtype=float), np.asarray(v, dtype=float))]
    out = f(xs)
    out.backward()
    return np.array([tangent_of(xi.grad) for xi in xs])


def hessian(f, x):
    """The (n, n) Hessian of f at the 1-D array x, column j = hvp(f, x, e_j): n
    Hessian-vector products, n calls of f."""
    x = np.asarray(x, dtype=float)
    return np.column_stack([hvp(f, x, e) for e in np.eye(len(x))]).reshape(len(x), len(x))


def newton_logistic(X, y, steps=10, ridge=1e-6):
    """Newton's method on chapter 05's mean logistic loss plus ridge/2 ||w||^2 from w_0 = 0:

        g = X^T (p - y) / m + ridge w,   H = X^T diag(p (1 - p)) X / m + ridge I,
        w_(k+1) = w_k - H^-1 g,          p = sigmoid(X w_k)

    (from dL = (p - y)^T X dw / m + ridge w^T dw and dp = p (1 - p) X dw). Returns
    (w, losses): w = w_steps and losses[k] = L(w_k) for k = 0..steps (length steps + 1).
    X (m, d) and y (m,) in {0, 1} are not modified."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    m, d = X.shape
    w = np.zeros(d)
    losses = [logistic_loss(X, y, w, ridge)]
    for _ in range(steps):
        p = sigmoid(X @ w)
        g = X.T @ (p - y) / m + ridge * w
        H = X.T @ (X * (p * (1 - p))[:, None]) / m + ridge * np.eye(d)
        w = w - np.linalg.solve(H, g)
        losses.append(logistic_loss(X, y, w, ridge))
    return w, np.array(losses)


def checkpointed_grad(step, dstep, x0, n, every):
    """(grad, x_n) for x_(k+1) = step(x_k), k = 0..n-1: grad is the vector-Jacobian product
    of the whole chain applied to ones (d x_n / d x0 for a float x0; the gradient of
    sum(x_n) for an array). Keeps only the checkpoints x_0, x_every, x_2every, ... on the
    way forward; the backward sweep takes the segments last to first, recomputes each
    segment's states from its checkpoint, applies dstep(x_k, g) to them in reverse and
    drops them. At most n / every + every + 2 states are alive at once, and step runs
    fewer than 2n times. every = 1 is the full tape; n = 0 gives (ones, x0)."""
    every = max(1, int(every))
    checkpoints = {0: x0}
    x = x0
    for k in range(1, n + 1):
        x = step(x)
        if k % every == 0 and k < n:
            checkpoints[k] = x
    g = np.ones_like(np.asarray(x, dtype=float)) if np.ndim(x) else 1.0
    for start in sorted((k for k in checkpoints if k < n), reverse=True):
        segment = [checkpoints.pop(start)]
        for _ in range(start + 1, min(start + every, n)):
            segment.append(step(segment[-1]))
        while segment:
            g = dstep(segment.pop(), g)
    return g, x


def tape_memory(n):
    """(full, checkpointed): the peak bytes that tracemalloc sees while the gradient of the
    chapter's recurrence (`recurrence_step` from `recurrence_start()`) of length n is taken
    with the full tape and with checkpoints every round(sqrt(n)) steps."""
    def peak(run):
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            run()
            return tracemalloc.get_traced_memory()[1] - start
        finally:
            tracemalloc.stop()

    x0 = recurrence_start()
    every = max(1, round(math.sqrt(n)))
    full = peak(lambda: full_tape_grad(recurrence_step, recurrence_vjp, x0, n))
    checkpointed = peak(lambda: checkpointed_grad(recurrence_step, recurrence_vjp, x0, n, every))
    return full, checkpointed
