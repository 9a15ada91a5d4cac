"""Hidden-test inputs, harnesses and typical mistakes of chapter 05_matrix_calculus.

Every gradient is checked twice. `compare` against the reference, on seeded random
inputs of several shapes: matrices that are not square and not symmetric, so that a
missing transpose or a lost term cannot pass by luck (the square cases come first: on
them a wrong formula keeps the right shape and the mistake can be named). And
`along_directions`: the answer's directional derivatives <G, V> along random
directions V against central differences (f(X + hV) - f(X - hV)) / 2h of the function
itself, which does not involve the reference at all.
"""
from __future__ import annotations

import numpy as np

from adcourse.diagnostics import Mistake
from adcourse.i18n import _
from autograder.cases import generator
from autograder.checking import Case, Unacceptable
from autograder.reference import matrix_calculus as ref

#: The keys of the two-layer network's parameters, in a fixed order.
KEYS = ("W1", "b1", "W2", "b2")
#: Step of the central differences, and how many random directions each case gets.
STEP, DIRECTIONS = 1e-5, 3


def _invertible(rng, n):
    """A non-symmetric n x n matrix with singular values in [0.6, 2] (well conditioned),
    of either sign of determinant."""
    q1, _ = np.linalg.qr(rng.normal(size=(n, n)))
    q2, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q1 @ np.diag(rng.uniform(0.6, 2.0, n)) @ q2


def _distribution(rng, k, one_hot):
    if one_hot:
        return np.eye(k)[rng.integers(k)]
    p = rng.dirichlet(np.ones(k))
    return p / p.sum()


# --- cases -------------------------------------------------------------------------------

def linear_form_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=m), rng.normal(size=(m, n)), rng.normal(size=n)))
            for m, n in ((3, 3), (2, 2), (3, 5), (4, 2), (1, 4), (6, 1))]


def quadratic_form_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=(n, k)), rng.normal(size=(n, n))))
            for n, k in ((3, 3), (4, 2), (2, 5), (5, 1), (1, 3))]


def least_squares_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=m)))
            for m, n in ((3, 3), (5, 3), (2, 4), (6, 1), (4, 4))]


def logdet_cases(seed):
    rng = generator(seed)
    cases = [Case((_invertible(rng, n),)) for n in (3, 2, 4, 6, 1)]
    flipped = _invertible(rng, 3)
    flipped[0] *= -1 if np.linalg.det(flipped) > 0 else 1  # a negative determinant
    return cases + [Case((flipped,))]


def trace_inverse_cases(seed):
    rng = generator(seed)
    return [Case((_invertible(rng, n), rng.normal(size=(n, n)))) for n in (3, 2, 4, 5, 1)]


def softmax_cross_entropy_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=(k, d)), rng.normal(size=d), _distribution(rng, k, one_hot)))
            for (k, d), one_hot in (((3, 3), True), ((4, 4), False), ((3, 5), True),
                                    ((5, 2), False), ((2, 1), True), ((6, 3), False))]


def logistic_regression_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=d), rng.normal(size=(n, d)), rng.integers(0, 2, n)))
            for n, d in ((8, 3), (5, 5), (4, 6), (10, 1), (7, 2))]


def jacobian_softmax_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=n) + shift,)) for n, shift in ((3, 0.0), (5, 0.0), (2, 0.0),
                                                                   (4, 30.0), (1, 0.0))]


def vjp_matmul_cases(seed):
    rng = generator(seed)
    return [Case((rng.normal(size=(m, n)), rng.normal(size=(n, p)), rng.normal(size=(m, p))))
            for m, n, p in ((3, 3, 3), (2, 2, 2), (4, 3, 3), (2, 3, 4), (4, 1, 3), (1, 5, 2))]


def unbroadcast_cases(seed):
    rng = generator(seed)
    pairs = (((4, 4), (4,)), ((3, 3), (3, 1)), ((3, 4), (4,)), ((3, 4), (3, 1)),
             ((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 1, 4)), ((5,), (1,)), ((3, 4), ()),
             ((3, 4), (3, 4)), ((2, 1, 3), (1, 3)), ((4, 2, 3), (4, 1, 1)))
    return [Case((rng.normal(size=g), s)) for g, s in pairs]


def mlp_cases(seed):
    rng = generator(seed)
    cases = []
    for n, d, h, k, flat in ((5, 3, 4, 2, True), (4, 2, 3, 1, False), (7, 1, 5, 3, True),
                             (6, 4, 2, 4, False)):
        params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h if flat else (1, h)),
                  "W2": rng.normal(size=(h, k)), "b2": rng.normal(size=k if flat else (1, k))}
        cases.append(Case((params, rng.normal(size=(n, d)), rng.normal(size=(n, k)))))
    return cases


# --- the functions themselves, for the directional check -------------------------------------

def _log_softmax(z):
    z = z - np.max(z)
    return z - np.log(np.sum(np.exp(z)))


def _mlp_loss(params, X, Y):
    P = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return 0.5 * np.sum((P - Y) ** 2) / X.shape[0]


#: exercise -> (positions of the variables among the arguments, the function of them).
#: unbroadcast's variable is the x that was broadcast to G's shape (its value is 0:
#: the function is linear); grad_mlp's are the four parameters.
FUNCTIONS = {
    "grad_linear_form": ((1,), lambda a, X, b: a @ X @ b),
    "grad_quadratic_form": ((0,), lambda X, A: np.trace(X.T @ A @ X)),
    "grad_least_squares": ((1,), lambda A, x, b: np.sum((A @ x - b) ** 2)),
    "grad_logdet": ((0,), lambda X: np.linalg.slogdet(X)[1]),
    "grad_trace_inverse": ((0,), lambda X, A: np.trace(np.linalg.solve(X, A))),
    "grad_softmax_cross_entropy": ((0,), lambda W, x, y: -y @ _log_softmax(W @ x)),
    "grad_logistic_regression": ((0,), lambda w, X, y: np.mean(np.logaddexp(0, -(2 * y - 1) * (X @ w)))),
    "jacobian_softmax": ((0,), lambda z: np.exp(_log_softmax(z))),
    "vjp_matmul": ((0, 1), lambda A, B, G: np.sum(G * (A @ B))),
    "unbroadcast": ((), None),
    "grad_mlp": ((), None),
}


def _variables(exercise, args):
    """The arrays the exercise differentiates with respect to, with their names."""
    if exercise == "unbroadcast":
        return [("x", np.zeros(args[1]))]
    if exercise == "grad_mlp":
        return [(k, np.asarray(args[0][k], dtype=float)) for k in KEYS]
    names = {"vjp_matmul": ("A", "B")}.get(exercise, (_("the variable"),))
    return [(name, np.asarray(args[i], dtype=float)) for name, i in zip(names, FUNCTIONS[exercise][0])]


def _value(exercise, args, values):
    """The exercise's function with its variables set to `values`."""
    if exercise == "unbroadcast":
        return float(np.sum(args[0] * np.broadcast_to(values[0], np.shape(args[0]))))
    if exercise == "grad_mlp":
        return _mlp_loss(dict(zip(KEYS, values)), args[1], args[2])
    positions, f = FUNCTIONS[exercise]
    args = list(args)
    for i, v in zip(positions, values):
        args[i] = v
    return f(*args)


def _parts(exercise, answer, args):
    """The answer as arrays, one per variable, each checked for its shape; Unacceptable
    (saying what is wrong) when the answer is not of the exercise's form."""
    variables = _variables(exercise, args)
    if exercise == "vjp_matmul":
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Unacceptable(_("returned {kind} {value}; expected the pair (dL/dA, dL/dB)").format(
                kind=type(answer).__name__, value=f"{answer!r:.80}"))
        labels = ("dL/dA", "dL/dB")
    elif exercise == "grad_mlp":
        if not isinstance(answer, dict) or set(answer) != set(KEYS):
            keys = sorted(answer) if isinstance(answer, dict) else type(answer).__name__
            raise Unacceptable(_("returned {keys}; expected a dict with keys W1, b1, W2, b2").format(keys=keys))
        answer = [answer[k] for k in KEYS]
        labels = tuple(_("the gradient of {name}").format(name=k) for k in KEYS)
    else:
        answer, labels = [answer], (_("the result"),)
    parts = []
    for label, (name, variable), got in zip(labels, variables, answer):
        got = np.asarray(got, dtype=float)
        want = variable.shape if exercise != "jacobian_softmax" else 2 * variable.shape
        if got.shape != want:
            if got.ndim == 2 and got.shape == want[::-1]:
                raise Unacceptable(_("{what} is transposed: it has shape {shape}; the gradient has the shape "
                                     "of {name}, {expected}").format(what=label, shape=got.shape, name=name,
                                                                     expected=want))
            raise Unacceptable(_("wrong shape: {what} has shape {shape}; the gradient has the shape of {name}, "
                                 "{expected}").format(what=label, shape=got.shape, name=name, expected=want))
        parts.append(got)
    return parts


def flattened(exercise):
    """A harness for answers that are a pair or a dict of arrays: each part checked for its
    shape, then all of them as one vector (so that a factor or a sign can be named)."""
    def harness(function, *args):
        return np.concatenate([p.ravel() for p in _parts(exercise, function(*args), args)])
    return harness


def along_directions(exercise):
    """A harness that judges an answer by its directional derivatives.

    For the answer G (or each part of it): <G, V> for DIRECTIONS random directions V
    (J V for the Jacobian of softmax). In the reference's place, central differences
    (f(X + hV) - f(X - hV)) / 2h of the exercise's function f: so the comparison is with
    f itself, and the reference is never called. The directions are the same for every
    answer to a case.
    """
    reference_answer = getattr(ref, exercise)

    def harness(function, *args):
        rng = generator(5)
        variables = [v for _, v in _variables(exercise, args)]
        directions = [[rng.normal(size=v.shape) for v in variables] for _ in range(DIRECTIONS)]
        if function is reference_answer:
            return np.concatenate([np.atleast_1d(
                (np.asarray(_value(exercise, args, [v + STEP * d for v, d in zip(variables, V)]))
                 - _value(exercise, args, [v - STEP * d for v, d in zip(variables, V)])) / (2 * STEP))
                for V in directions])
        parts = _parts(exercise, function(*args), args)
        if exercise == "jacobian_softmax":
            return np.concatenate([parts[0] @ V[0] for V in directions])
        return np.array([sum(np.sum(p * d) for p, d in zip(parts, V)) for V in directions])
    return harness


# --- typical mistakes ------------------------------------------------------------------------

def _mlp_variant(params, X, Y, derivative="tanh", mean=True):
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=float) for k in KEYS)
    Z = X @ W1 + b1
    H = np.tanh(Z)
    dP = (H @ W2 + b2 - Y) / (X.shape[0] if mean else 1)
    dZ = dP @ W2.T * {"tanh": 1 - H**2, "none": 1.0, "pre": 1 - Z**2}[derivative]
    return {"W1": X.T @ dZ, "b1": ref.unbroadcast(dZ, b1.shape),
            "W2": H.T @ dP, "b2": ref.unbroadcast(dP, b2.shape)}


def _sum_trailing(G, shape):
    G = np.asarray(G, dtype=float)
    extra = G.ndim - len(shape)
    return ref.unbroadcast(G.sum(axis=tuple(range(G.ndim - extra, G.ndim))) if extra else G, shape)


def _mean_unbroadcast(G, shape):
    G = np.asarray(G, dtype=float)
    return ref.unbroadcast(G, shape) * np.prod(shape, dtype=float) / G.size


MISTAKES = {
    "grad_linear_form": (
        Mistake("the gradient is transposed: b a^T; df = tr((a b^T)^T dX), so the gradient is "
                "a b^T, of the shape of X (Cookbook (70))", lambda a, X, b: np.outer(b, a)),
    ),
    "grad_quadratic_form": (
        Mistake("2 A X holds only for a symmetric A: tr(X^T A X) has the two terms tr(dX^T A X) "
                "and tr(X^T A dX), whose gradient is (A + A^T) X (Cookbook (108))",
                lambda X, A: 2 * A @ X),
        Mistake("one of the two terms of d tr(X^T A X) = tr(dX^T A X) + tr(X^T A dX) is missing: "
                "the gradient is (A + A^T) X", lambda X, A: A @ X),
    ),
    "grad_least_squares": (
        Mistake("the transpose of A is missing: d||A x - b||^2 = 2 (A x - b)^T A dx, so the "
                "gradient is 2 A^T (A x - b)", lambda A, x, b: 2 * A @ (A @ x - b)),
    ),
    "grad_logdet": (
        Mistake("X^-1 was returned, the transpose of the gradient: d log|det X| = tr(X^-1 dX) "
                "= tr((X^-T)^T dX), so the gradient is X^-T (Cookbook (57))",
                lambda X: np.linalg.inv(X)),
        Mistake("det(X) X^-T is the gradient of det X; the gradient of log|det X| is X^-T",
                lambda X: np.linalg.det(X) * np.linalg.inv(X).T),
    ),
    "grad_trace_inverse": (
        Mistake("the transpose is missing: df = -tr(X^-1 A X^-1 dX), so the gradient is "
                "-(X^-1 A X^-1)^T (Cookbook (63))",
                lambda X, A: -np.linalg.inv(X) @ A @ np.linalg.inv(X)),
    ),
    "grad_softmax_cross_entropy": (
        Mistake("the gradient is transposed: x (p - y)^T; dL = (p - y)^T dW x, so the gradient "
                "is (p - y) x^T, of the shape of W",
                lambda W, x, y: np.outer(x, np.exp(_log_softmax(W @ x)) - y)),
        Mistake("the term of -y^T z is missing: the gradient is (p - y) x^T, not p x^T",
                lambda W, x, y: np.outer(np.exp(_log_softmax(W @ x)), x)),
    ),
    "grad_logistic_regression": (
        Mistake("the sum over the examples was taken; the loss is their mean: divide by N",
                lambda w, X, y: ref.grad_logistic_regression(w, X, y) * len(y)),
        Mistake("the labels y in {0, 1} were used as signs; the signs are s = 2 y - 1, in {-1, +1}",
                lambda w, X, y: -X.T @ (y / (1 + np.exp(y * (X @ w)))) / len(y)),
    ),
    "jacobian_softmax": (
        Mistake("only the diagonal p_i (1 - p_i): the off-diagonal entries -p_i p_j are missing; "
                "J = diag(p) - p p^T", lambda z: np.diag(np.diag(ref.jacobian_softmax(z)))),
    ),
    "vjp_matmul": (
        Mistake("dL/dA = G B was returned; it is G B^T: dL = tr(G^T dA B) = tr((G B^T)^T dA)",
                lambda A, B, G: (G @ B, A.T @ G)),
        Mistake("the pair is swapped: it is (dL/dA, dL/dB) = (G B^T, A^T G)",
                lambda A, B, G: (A.T @ G, G @ B.T)),
    ),
    "unbroadcast": (
        Mistake("the trailing axes were summed: broadcasting adds axes at the front (shapes are "
                "aligned from the right), so sum over the leading ones", _sum_trailing),
        Mistake("the shares were averaged; the gradient of a broadcast entry is their sum",
                _mean_unbroadcast),
    ),
    "grad_mlp": (
        Mistake("tanh' is missing: backward through H = tanh(Z) multiplies by 1 - H**2",
                lambda params, X, Y: _mlp_variant(params, X, Y, derivative="none")),
        Mistake("tanh' was taken at the wrong place: 1 - Z**2 with the pre-activation Z; it is "
                "1 - tanh(Z)**2 = 1 - H**2", lambda params, X, Y: _mlp_variant(params, X, Y, derivative="pre")),
        Mistake("the 1/N of the loss is missing: dL/dP = (P - Y) / N",
                lambda params, X, Y: _mlp_variant(params, X, Y, mean=False)),
    ),
}
