"""Hidden-test inputs, harnesses and typical mistakes of chapter 09_frameworks.

`per_example_grads` runs in the student's kernel on the losses of `LOSSES`
(adcourse.functions.frameworks), their Python calls counted: vmap traces the loss once,
a loop over the rows calls it once a row. `stable_softplus` is evaluated in the kernel at
floats from -1.7e308 to 1.7e308 with its derivative taken by grad, a vjp with a cotangent
t not 1, the chain rule through 3 f(2x), vmap and jit, and must hold a custom rule. The
three implicit derivatives are compared with the reference (NumPy only, JAX forbidden
while they run); `fixed_point_grad` gets T and its Jacobians counted, since the implicit
function theorem needs them once at x*, and unrolling the iteration calls them every step.
"""
from __future__ import annotations

import numpy as np

from adcourse.checking import show_value
from adcourse.diagnostics import Mistake
from adcourse.frameworks import fixed_point, lasso_exact, sigmoid, softplus
from adcourse.functions.frameworks import (
    FIXED_POINT_PROGRAM,
    FIXED_POINTS,
    HIDDEN,
    LOSSES,
    PER_EXAMPLE_PROGRAM,
    SOFTPLUS_PROGRAM,
    params_size,
)
from adcourse.i18n import N_, _
from adcourse.nonsmooth import lam_max, lasso_problem
from adcourse.tolerance import policy as get_policy
from autograder.cases import generator, ours
from autograder.checking import Case, Unacceptable
from autograder.reference import frameworks as ref
from autograder.sealed import in_kernel

__all__ = ["GRADIENTS", "MISTAKES", "fixed_point_cases", "fixed_points", "lasso_jacobian_cases", "per_example",
           "per_example_cases", "softplus_cases", "softplus_checked", "solve_cases", "solved"]

# --- the losses' gradients, by hand (grader-side only: a kernel has the losses, not these) ------

def _squared_grad(p, x, y):
    return (p @ x - y) * x


def _logistic_grad(p, x, y):
    z = -y * (p @ x)
    return -y * x * (0.5 * (1 + np.tanh(z / 2)))  # sigmoid(z), stable


def _poisson_grad(p, x, y):
    return (np.exp(p @ x) - y) * x


def _network_grad(p, x, y):
    d = x.shape[0]
    W, v = p[:HIDDEN * d].reshape(HIDDEN, d), p[HIDDEN * d:]
    h = np.tanh(W @ x)
    r = v @ h - y
    return np.concatenate([np.outer(r * v * (1 - h * h), x).ravel(), r * h])


#: loss name -> its gradient in params, written out by hand.
GRADIENTS = dict(zip((loss.name for loss in LOSSES), (_squared_grad, _logistic_grad, _poisson_grad, _network_grad)))


_MODIFIED = N_("modified its argument {number} in place; the function must leave its inputs unchanged (work "
               "on a copy, e.g. x.copy(), or restore what you change)")

#: The most Python calls of the loss a vectorised per_example_grads makes (vmap traces it
#: once; a check of the loss's value beside it is a second call).
MOST_LOSS_CALLS = 3
#: The most calls of each of T, dT_dx and dT_dtheta an implicit fixed_point_grad makes.
MOST_MAP_CALLS = 2


# --- per_example_grads -------------------------------------------------------------------------

def per_example_cases(seed: int) -> list[Case]:
    """Each loss of LOSSES on rows of 2 and 5 features, 12 to 40 rows; labels of the loss's
    kind (+-1 for the logistic loss, counts for the Poisson one)."""
    rng = generator(seed)
    cases = []
    for loss in LOSSES:
        for d, rows in ((2, 12), (5, 40)):
            p = 0.5 * rng.standard_normal(params_size(loss, d))
            X = rng.standard_normal((rows, d))
            if loss is LOSSES[1]:
                y = rng.choice([-1.0, 1.0], size=rows)
            elif loss is LOSSES[2]:
                y = rng.poisson(1.5, size=rows).astype(float)
            else:
                y = rng.standard_normal(rows)
            cases.append(Case((loss, p, X, y)))
    return cases


def per_example(function, loss, params, X, y) -> np.ndarray:
    """The harness of `per_example_grads`: called in the kernel, the loss's calls counted.
    What the reference is compared as is the loss's gradient written out by hand (`GRADIENTS`,
    row by row), which the tests hold JAX's to: no tracing on the grader's side."""
    if function is ref.per_example_grads:
        return np.stack([GRADIENTS[loss.name](np.asarray(params, dtype=float), x, t) for x, t in zip(X, y)])
    values, held, calls, rows, changed = in_kernel(PER_EXAMPLE_PROGRAM, function)((function, loss, params, X, y))
    if calls > MOST_LOSS_CALLS or rows >= len(X):
        message = (_("called the loss {calls} times for {count} rows: a Python loop over the rows (jitted or "
                     "not); jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)) traces the loss once and maps its "
                     "gradient over the rows") if calls > MOST_LOSS_CALLS else
                   _("took {rows} rows out of X or y one at a time for {count} rows: a Python loop over the "
                     "rows (jitted or not); jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)) traces the loss "
                     "once and maps its gradient over the rows"))
        raise Unacceptable(message.format(calls=calls, rows=rows, count=len(X)))
    if changed:
        raise Unacceptable(_(_MODIFIED).format(number=changed))
    if values is None:
        raise Unacceptable(_("returned {held}, not an array of numbers").format(held=held))
    shape = (len(X),) + np.shape(params)
    if values.shape != shape:
        raise Unacceptable(_("returned an array of shape {shape}; the gradients of {count} rows, each of "
                             "params' shape {params}, stacked, have shape {expected}").format(
                                 shape=values.shape, count=len(X), params=np.shape(params), expected=shape))
    return values


def _summed(loss, params, X, y):
    """The gradient of the total loss, for every row: grad without vmap."""
    import jax
    import jax.numpy as jnp

    total = jax.grad(lambda p: jnp.sum(jax.vmap(loss, in_axes=(None, 0, 0))(p, X, y)))(jnp.asarray(params))
    return np.tile(np.asarray(total), (len(X),) + (1,) * np.ndim(params))


def _mean(loss, params, X, y):
    return ref.per_example_grads(loss, params, X, y) / len(X)


def _wrong_argument(loss, params, X, y):
    """The gradient in x (argnums=1) instead of params."""
    import jax

    return np.asarray(jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0, 0))(params, X, y))


# --- stable_softplus ---------------------------------------------------------------------------

#: Floats where softplus is easy to get wrong: the largest and smallest, past e^x's overflow
#: (709.78), where 1 + e^x rounds to 1, 0 and -0.0, a subnormal.
EDGES = (-1.7e308, -1e4, -800.0, -745.0, -40.0, -1e-300, -0.0, 0.0, 5e-324, 1e-8, 36.0, 709.0, 710.0, 800.0,
         1e4, 1.7e308)


def softplus_cases(seed: int) -> list[Case]:
    """One case: the edges and random floats of every size, tangents not 1."""
    rng = generator(seed)
    random = rng.choice([-1.0, 1.0], size=16) * 10.0 ** rng.uniform(-3, 3.5, size=16)
    xs = np.concatenate([EDGES, random])
    ts = rng.uniform(0.5, 3.0, size=xs.size) * rng.choice([-1.0, 1.0], size=xs.size)
    return [Case((xs, ts))]


#: What each row of SOFTPLUS_PROGRAM's answer is.
ROWS = ("f(x)", "jax.grad(f)(x)", N_("jax.vjp(f, x)[0] (the value the rule returns)"), "jax.vjp(f, x)[1](t)",
        "jax.grad(lambda z: 3 * f(2 * z))(x / 2)", "jax.vmap(jax.grad(f))(xs)", "jax.jit(jax.vmap(jax.grad(f)))(xs)")


def softplus_checked(function, xs, ts) -> np.ndarray:
    """The harness of `stable_softplus`: its values and derivatives at xs, computed in the
    kernel; a row that is not finite, or that lacks a custom rule, fails here with the first
    x where it went wrong. Returns the rows, compared with the reference's. The reference is
    compared as the contract's closed forms (`_expected_rows`), which the tests hold its JAX
    rows to: no tracing on the grader's side."""
    if function is ref.stable_softplus:
        return _expected_rows(xs, ts)
    rows, errors, custom = in_kernel(SOFTPLUS_PROGRAM, function)((function, xs, ts))
    rows = np.asarray(rows, dtype=float)
    if not np.isfinite(rows).all():
        i, j = np.argwhere(~np.isfinite(rows))[0]
        error = next((message for row, message in errors if row == i), "")
        message = (_("{row} is {value} at x = {x} ({error}): softplus and its derivative are finite for every "
                     "float (write log(1 + e^x) as max(x, 0) + log1p(e^-|x|), and the derivative sigmoid(x) "
                     "without e^x for large x)") if error else
                   _("{row} is {value} at x = {x}: softplus and its derivative are finite for every float (write "
                     "log(1 + e^x) as max(x, 0) + log1p(e^-|x|), and the derivative sigmoid(x) without e^x for "
                     "large x)"))
        raise Unacceptable(message.format(row=_(ROWS[i]), value=rows[i, j], x=repr(float(xs[j])), error=error))
    if not custom:
        raise Unacceptable(_("holds no custom derivative rule: define it with @jax.custom_jvp and its rule with "
                             "@stable_softplus.defjvp (or jax.custom_vjp with defvjp), returning sigmoid(x) "
                             "times the tangent"))
    if not ours(function, __name__):
        _first_wrong_row(rows, xs, ts)
    return rows


def _expected_rows(xs, ts):
    """The rows SOFTPLUS_PROGRAM gives, as the contract fixes them (NumPy's closed forms)."""
    s = sigmoid(xs)
    return np.array([softplus(xs), s, softplus(xs), s * ts, 6 * s, s, s])


def _first_wrong_row(rows, xs, ts):
    """Unacceptable, naming the first row and x where `rows` differ from the contract's."""
    tol = get_policy("relative")
    expected = _expected_rows(xs, ts)
    if rows.shape != expected.shape:
        return
    wrong = ~tol.close(rows, expected)
    if not wrong.any():
        return
    i, j = np.argwhere(wrong)[0]
    hint = ""
    for mistake in MISTAKES["stable_softplus"]:  # a listed mistake that gives these rows names itself
        theirs = np.asarray(SOFTPLUS_PROGRAM((mistake.fn, xs, ts))[0], dtype=float)
        if theirs.shape == rows.shape and tol.close(rows, theirs).all():
            hint = " " + _("(likely mistake: {hint})").format(hint=mistake.said())
            break
    else:
        if i == 2:
            hint = " " + _("(the rule's output is not softplus(x): a JVP rule returns (f(x), f'(x) t))")
        elif i in (3, 4) and tol.close(rows[1], expected[1]).all():
            hint = " " + _("(grad is right and this is not: is the tangent, or the cotangent, multiplied in?)")
    raise Unacceptable(_("{row} is {value} at x = {x}, t = {t}; expected {expected} (relative error {error}, "
                         "tolerance 1e-10 relative)").format(
                             row=_(ROWS[i]), value=repr(rows[i, j]), x=repr(float(xs[j])), t=repr(float(ts[j])),
                             expected=repr(expected[i, j]),
                             error=f"{tol.relative_error(rows[i, j], expected[i, j]):.3g}") + hint)


def _softplus_with_rule(rule):
    """A custom_jvp softplus whose rule gives `rule(x, t)` as the tangent."""
    import jax

    @jax.custom_jvp
    def f(x):
        return ref.stable_softplus(x)

    @f.defjvp
    def _rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), rule(x, t)
    return f


def _sigmoid(x):
    import jax

    return jax.nn.sigmoid(x)


def _mistaken_softplus():
    return {"untangented": _softplus_with_rule(lambda x, t: _sigmoid(x)),
            "minus": _softplus_with_rule(lambda x, t: _sigmoid(-x) * t)}


# --- solve_vjp --------------------------------------------------------------------------------

def solve_cases(seed: int) -> list[Case]:
    """Well-conditioned random systems of sizes 1 to 8 (singular values between 0.3 and 15)."""
    rng = generator(seed)
    cases = []
    for n in (1, 2, 3, 5, 8, 8):
        while True:
            A = rng.standard_normal((n, n)) + (rng.choice([-1.0, 1.0]) if n == 1 else 0.0)
            s = np.linalg.svd(A, compute_uv=False)
            if s[-1] > 0.3 and s[0] < 15:
                break
        cases.append(Case((A, rng.standard_normal(n), rng.standard_normal(n))))
    return cases


def solved(function, A, b, g) -> np.ndarray:
    """The harness of `solve_vjp`: its pair (dL/dA, dL/db) checked for shapes and stacked as
    one (n + 1, n) array, dL/dA's rows then dL/db, so that a typical mistake can be named."""
    answer = function(A, b, g)
    n = len(b)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Unacceptable(_("returned {value}, not a pair (dL/dA, dL/db)").format(value=show_value(answer)))
    try:
        dA, db = (np.asarray(t, dtype=float) for t in answer)
    except (TypeError, ValueError):
        raise Unacceptable(_("returned {value}, not a pair of arrays of numbers").format(
            value=show_value(answer))) from None
    if dA.shape != (n, n) or db.shape != (n,):
        raise Unacceptable(_("returned arrays of shapes {first} and {second}; dL/dA has A's shape {a_shape} "
                             "and dL/db b's shape {b_shape}").format(first=dA.shape, second=db.shape,
                                                                     a_shape=(n, n), b_shape=(n,)))
    return np.vstack([dA, db])


def _solve_parts(A, b, g):
    x = np.linalg.solve(A, b)
    return x, np.linalg.solve(A.T, g), np.linalg.solve(A, g)


def _solve_sign(A, b, g):
    x, u, _ = _solve_parts(A, b, g)
    return np.outer(u, x), u


def _solve_transposed(A, b, g):
    x, u, _ = _solve_parts(A, b, g)
    return -np.outer(x, u), u


def _solve_not_adjoint(A, b, g):
    x, _, w = _solve_parts(A, b, g)
    return -np.outer(w, x), w


def _solve_g_not_solved(A, b, g):
    x = np.linalg.solve(A, b)
    return -np.outer(g, x), np.asarray(g, dtype=float)


# --- fixed_point_grad --------------------------------------------------------------------------

def fixed_point_cases(seed: int) -> list[Case]:
    """Each map of FIXED_POINTS at sizes 1, 3 and 6 (theta of size 2 for the map B theta),
    random theta and g; x* found here to the last bits: by iterating from x_0 = 1 where the
    map contracts, as the cube root of theta where it repels (there the derivative of any
    number of unrolled iterations grows without bound, so only the implicit one is right)."""
    rng = generator(seed)
    cases = []
    for T, dT_dx, dT_dtheta in FIXED_POINTS:
        for n in (1, 3, 6):
            if "theta / x" in T.name or "x^3" in T.name:
                theta = rng.uniform(0.5, 4.0, n)
            elif "B theta" in T.name:
                theta = rng.standard_normal(2)
            else:
                theta = rng.standard_normal(n)
            x_star = np.cbrt(theta) if "x^3" in T.name else fixed_point(T, np.ones(n), theta)
            cases.append(Case((T, dT_dx, dT_dtheta, x_star, theta, rng.standard_normal(n))))
    return cases


def fixed_points(function, T, dT_dx, dT_dtheta, x_star, theta, g) -> np.ndarray:
    """The harness of `fixed_point_grad`: called in the kernel with T and its Jacobians counted."""
    values, held, changed, *calls = in_kernel(FIXED_POINT_PROGRAM, function)((function, T, dT_dx, dT_dtheta, x_star,
                                                                               theta, g))
    if changed:
        raise Unacceptable(_(_MODIFIED).format(number=changed))
    for name, count in zip(("T", "dT_dx", "dT_dtheta"), calls):
        if count > MOST_MAP_CALLS:
            raise Unacceptable(_("called {name} {count} times: the implicit function theorem needs dT_dx and "
                                 "dT_dtheta once, at x* (which is given), and one linear solve; calling them "
                                 "at every iterate unrolls the iteration").format(name=name, count=count))
    if values is None:
        raise Unacceptable(_("returned {held}, not an array of numbers").format(held=held))
    if "x^3" in T.name and not np.isfinite(values).all():
        raise Unacceptable(_("returned {value} at a fixed point that repels (dT_dx has eigenvalues above 1 "
                             "there): iterating the map, or iterating u <- g + dT_dx^T u, runs away from it; "
                             "the implicit function theorem needs only I - dT_dx invertible: solve "
                             "(I - dT_dx)^T u = g").format(value=show_value(values)))
    if values.shape != np.shape(theta):
        raise Unacceptable(_("returned an array of shape {shape}; g^T dx*/dtheta has theta's shape {expected} "
                             "(one number for each parameter)").format(shape=values.shape,
                                                                        expected=np.shape(theta)))
    return values


def _jacobians(dT_dx, dT_dtheta, x_star, theta):
    n = np.size(x_star)
    return (np.atleast_2d(dT_dx(x_star, theta)), np.asarray(dT_dtheta(x_star, theta)).reshape(n, np.size(theta)))


def _fp_untransposed(T, dT_dx, dT_dtheta, x_star, theta, g):
    Jx, Jt = _jacobians(dT_dx, dT_dtheta, x_star, theta)
    return Jt.T @ np.linalg.solve(np.eye(len(g)) - Jx, g)


def _fp_no_inverse(T, dT_dx, dT_dtheta, x_star, theta, g):
    _, Jt = _jacobians(dT_dx, dT_dtheta, x_star, theta)
    return Jt.T @ g


def _fp_plus(T, dT_dx, dT_dtheta, x_star, theta, g):
    Jx, Jt = _jacobians(dT_dx, dT_dtheta, x_star, theta)
    return Jt.T @ np.linalg.solve(np.eye(len(g)) + Jx.T, g)


def _fp_inverse_of_jacobian(T, dT_dx, dT_dtheta, x_star, theta, g):
    Jx, Jt = _jacobians(dT_dx, dT_dtheta, x_star, theta)
    return Jt.T @ np.linalg.solve(Jx.T, g)


# --- lasso_solution_jacobian ---------------------------------------------------------------------

def lasso_jacobian_cases(seed: int) -> list[Case]:
    """Lasso problems of chapter 07 (more and fewer rows than columns), lam between 0.1 and
    0.5 lam_max, each solved here exactly with a strictly optimal support (`lasso_exact`)."""
    rng = generator(seed)
    cases = []
    for m, n, k in ((30, 50, 5), (40, 20, 4), (25, 60, 8), (15, 10, 3), (50, 80, 6)):
        while True:
            A, b, _ = lasso_problem(m, n, k, seed=int(rng.integers(0, 2**31)))
            lam = float(rng.uniform(0.1, 0.5)) * lam_max(A, b)
            try:
                x, _ = lasso_exact(A, b, lam)
            except ValueError:
                continue
            break
        cases.append(Case((A, b, lam, x)))
    return cases


def _lasso_pinv(A, b, lam, x):
    return np.linalg.pinv(A)


def _lasso_transposed(A, b, lam, x):
    return ref.lasso_solution_jacobian(A, b, lam, x).T


def _lasso_ridge(A, b, lam, x):
    S = np.flatnonzero(x)
    J = np.zeros((A.shape[1], A.shape[0]))
    As = A[:, S]
    J[S] = np.linalg.solve(As.T @ As + lam * np.eye(S.size), As.T)
    return J


def _lasso_columns_only(A, b, lam, x):
    """A_S^T on the support, without (A_S^T A_S)^-1."""
    S = np.flatnonzero(x)
    J = np.zeros((A.shape[1], A.shape[0]))
    J[S] = A[:, S].T
    return J


MISTAKES = {
    "per_example_grads": (
        Mistake("the gradient of the total loss over all rows, repeated for every row (jax.grad of the summed "
                "loss, without vmap)", _summed),
        Mistake("the gradients divided by the number of rows (the mean loss's gradient, per row)", _mean),
        Mistake("the gradient in x, not in params (jax.grad(loss, argnums=1); argnums=0 is the default)",
                _wrong_argument),
    ),
    "stable_softplus": (
        Mistake("the rule returns sigmoid(x) without multiplying by the tangent: a tangent that does not depend "
                "on the input's is no linear map, and grad, vjp and the chain rule through it give 0",
                _mistaken_softplus()["untangented"]),
        Mistake("the derivative sigmoid(-x), not sigmoid(x)", _mistaken_softplus()["minus"]),
    ),
    "solve_vjp": (
        Mistake("dL/dA = +u x^T: the sign of dx = -A^-1 dA x is lost", _solve_sign),
        Mistake("dL/dA = -x u^T, the transpose of -u x^T", _solve_transposed),
        Mistake("u = solve(A, g), not solve(A.T, g): the adjoint system has A^T", _solve_not_adjoint),
        Mistake("u = g: the adjoint solve A^T u = g is missing", _solve_g_not_solved),
    ),
    "fixed_point_grad": (
        Mistake("(I - dT_dx) where (I - dT_dx)^T belongs: g^T (I - J)^-1 needs the transpose's solve", _fp_untransposed),
        Mistake("dT_dtheta^T g: the solve with (I - dT_dx)^T is missing (the derivative of one step, not of "
                "the fixed point)", _fp_no_inverse),
        Mistake("(I + dT_dx)^T, not (I - dT_dx)^T: the sign of dx* = dT_dx dx* + ... moved the wrong way",
                _fp_plus),
        Mistake("dT_dx^-T, not (I - dT_dx)^-T", _fp_inverse_of_jacobian),
    ),
    "lasso_solution_jacobian": (
        Mistake("pinv(A): the least-squares solution's derivative, ignoring the support", _lasso_pinv),
        Mistake("the transpose of dx*/db (shape (m, n))", _lasso_transposed),
        Mistake("(A_S^T A_S + lam I)^-1 A_S^T: lam enters x_S through lam sign(x_S), a constant, not through "
                "the matrix", _lasso_ridge),
        Mistake("A_S^T without (A_S^T A_S)^-1", _lasso_columns_only),
    ),
}
