"""Functions of chapter 09_frameworks, and the programs that run a student's answer on them.

`LOSSES`: per-example losses loss(params, x, y) written with jax.numpy (so JAX can trace
them); their gradients by hand are the grader's. `FIXED_POINTS`: maps T(x, theta) with
their two partial Jacobians by hand, as triples (T, dT_dx, dT_dtheta) in NumPy: three that
contract in x, so that iterating finds x*, and one whose fixed point repels (iterating
runs away from it, and so does the unrolled derivative), where only the implicit function
theorem gives dx*/dtheta.

The programs run in the student's kernel and return data: `PER_EXAMPLE_PROGRAM` calls a
`per_example_grads` and counts the Python calls of the loss (vmap traces it once, a loop
over the rows calls it once per row); `SOFTPLUS_PROGRAM` evaluates a `stable_softplus`
and its derivatives by grad, vjp, vmap and jit, and says whether a custom rule is in it;
`FIXED_POINT_PROGRAM` calls a `fixed_point_grad` with T and its Jacobians counted. JAX is
imported only when one of them runs.
"""
from __future__ import annotations

import numpy as np

from adcourse.i18n import N_, _

from .scalar import Fn, FnOfArgs

__all__ = ["FIXED_POINTS", "FIXED_POINT_PROGRAM", "LOSSES", "PER_EXAMPLE_PROGRAM", "SOFTPLUS_PROGRAM", "map_matrix",
           "params_size", "repelling_matrix"]


def _jnp():
    import jax.numpy as jnp

    return jnp


# --- per-example losses ----------------------------------------------------------------------

def _squared(p, x, y):
    return 0.5 * (_jnp().dot(p, x) - y) ** 2


def _logistic(p, x, y):
    """log(1 + exp(-y p.x)) for labels y = +-1, written stably with logaddexp."""
    return _jnp().logaddexp(0.0, -y * _jnp().dot(p, x))


def _poisson(p, x, y):
    jnp = _jnp()
    return jnp.exp(jnp.dot(p, x)) - y * jnp.dot(p, x)


#: Hidden units of the network loss; params = [W.ravel(), v] for W of shape (HIDDEN, d).
HIDDEN = 3


def _network(p, x, y):
    """0.5 (v . tanh(W x) - y)^2: a one-hidden-layer network, its params flattened."""
    jnp = _jnp()
    d = x.shape[0]
    W, v = p[:HIDDEN * d].reshape(HIDDEN, d), p[HIDDEN * d:]
    return 0.5 * (jnp.dot(v, jnp.tanh(W @ x)) - y) ** 2


#: The losses of per_example_grads. Their gradients written out by hand, which the hidden
#: tests compare with, are the grader's (autograder.cases.frameworks.GRADIENTS), not here.
LOSSES = (
    FnOfArgs("0.5 (p.x - y)^2", _squared, None),
    FnOfArgs("log(1 + exp(-y p.x))", _logistic, None),
    FnOfArgs("exp(p.x) - y p.x", _poisson, None),
    FnOfArgs("0.5 (v.tanh(W x) - y)^2, p = [W.ravel(), v]", _network, None),
)


def params_size(loss: Fn, d: int) -> int:
    """How many params `loss` takes for rows of d features."""
    return HIDDEN * d + HIDDEN if loss is LOSSES[3] else d


# --- fixed points ----------------------------------------------------------------------------
# Each map contracts in x on the domain the cases draw from, so x <- T(x, theta) converges.

def _tanh_map(x, theta):
    """tanh(W x + theta), W a fixed matrix of norm 0.6 (so T contracts in x)."""
    return np.tanh(map_matrix(x.size) @ x + theta)


def map_matrix(n):
    """The W of tanh(W x + theta) for x of size n: fixed, of norm 0.6."""
    rng = np.random.default_rng(90 + n)
    M = rng.standard_normal((n, n))
    return 0.6 * M / np.linalg.norm(M, 2)


def _tanh_dx(x, theta):
    s = 1 - np.tanh(map_matrix(x.size) @ x + theta) ** 2
    return s[:, None] * map_matrix(x.size)


def _tanh_dtheta(x, theta):
    return np.diag(1 - np.tanh(map_matrix(x.size) @ x + theta) ** 2)


def _sqrt_map(x, theta):
    """(x + theta / x) / 2, Heron's step: its fixed point is sqrt(theta)."""
    return (x + theta / x) / 2


def _sqrt_dx(x, theta):
    return np.diag((1 - theta / x**2) / 2)


def _sqrt_dtheta(x, theta):
    return np.diag(1 / (2 * x))


def _B(n, p):
    rng = np.random.default_rng(7 * n + p)
    return rng.standard_normal((n, p)) / np.sqrt(p)


def _cos_map(x, theta):
    """0.5 cos(x) + B theta, theta of another size than x (B fixed, n x 2)."""
    return 0.5 * np.cos(x) + _B(x.size, theta.size) @ theta


def _cos_dx(x, theta):
    return np.diag(-0.5 * np.sin(x))


def _cos_dtheta(x, theta):
    return _B(x.size, theta.size)


def repelling_matrix(n):
    """The M of x + M (x^3 - theta): fixed, symmetric positive definite (eigenvalues in [0.5, 1])."""
    rng = np.random.default_rng(30 + n)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return Q @ np.diag(np.linspace(0.5, 1.0, n)) @ Q.T


def _cube_map(x, theta):
    """x + M (x^3 - theta): its fixed point is the cube root of theta, and dT/dx = I + M diag(3 x^2)
    has eigenvalues above 1 there, so iterating T runs away from it."""
    return x + repelling_matrix(x.size) @ (x**3 - theta)


def _cube_dx(x, theta):
    return np.eye(x.size) + repelling_matrix(x.size) * (3 * x**2)[None, :]


def _cube_dtheta(x, theta):
    return -repelling_matrix(x.size)


#: (T, dT_dx, dT_dtheta) triples, with the sizes (n, p) of x and theta they take (None: p = n).
FIXED_POINTS = (
    (FnOfArgs("T(x, theta) = tanh(W x + theta)", _tanh_map, None),
     FnOfArgs("dT/dx of tanh(W x + theta)", _tanh_dx, None),
     FnOfArgs("dT/dtheta of tanh(W x + theta)", _tanh_dtheta, None)),
    (FnOfArgs("T(x, theta) = (x + theta / x) / 2", _sqrt_map, None, domain=(0.5, 4.0)),
     FnOfArgs("dT/dx of (x + theta / x) / 2", _sqrt_dx, None),
     FnOfArgs("dT/dtheta of (x + theta / x) / 2", _sqrt_dtheta, None)),
    (FnOfArgs("T(x, theta) = 0.5 cos(x) + B theta", _cos_map, None),
     FnOfArgs("dT/dx of 0.5 cos(x) + B theta", _cos_dx, None),
     FnOfArgs("dT/dtheta of 0.5 cos(x) + B theta", _cos_dtheta, None)),
    (FnOfArgs("T(x, theta) = x + M (x^3 - theta)", _cube_map, None, domain=(0.5, 4.0)),
     FnOfArgs("dT/dx of x + M (x^3 - theta)", _cube_dx, None),
     FnOfArgs("dT/dtheta of x + M (x^3 - theta)", _cube_dtheta, None)),
)


# --- the programs ------------------------------------------------------------------------------

def _array(value):
    """value as a float array, or None when it is not numbers (returned with its type's name)."""
    try:
        array = np.asarray(value, dtype=float)
    except Exception:
        return None, type(value).__name__
    return array, ""


def _per_example_program(args):
    """(per_example_grads, loss, params, X, y): (answer as floats or None, what it holds
    instead, Python calls of the loss, rows taken out of X or y one at a time, and the
    number of the argument the call changed in place, 0 if none)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    function, loss, params, X, y = args
    calls = [0]

    def counted(p, x, t):
        calls[0] += 1
        return loss(p, x, t)
    given = (np.array(params, dtype=float), _Rows(np.array(X, dtype=float)), _Rows(np.array(y, dtype=float)))
    kept = tuple(np.array(a) for a in given)
    answer = function(counted, *given)
    # read before the answer is converted: converting it runs no more of the count
    made, rows = calls[0], max(given[1].taken[0], given[2].taken[0])
    # numbered as the arguments of per_example_grads(loss, params, X, y)
    changed = next((i + 2 for i, (a, b) in enumerate(zip(given, kept)) if not np.array_equal(np.asarray(a), b)), 0)
    values, held = _array(answer)
    return values, held, made, rows, changed


class _Rows(np.ndarray):
    """An array that counts the rows taken out of it one at a time (iterating it, or indexing
    it with one integer): a Python loop over the rows takes every one; vmap takes none."""

    def __new__(cls, array):
        view = np.asarray(array).view(cls)
        view.taken = [0]
        return view

    def __array_finalize__(self, source):
        self.taken = getattr(source, "taken", [0])

    def __iter__(self):
        self.taken[0] += len(self) if self.ndim else 0
        return iter(np.asarray(self))

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            self.taken[0] += 1
            return np.asarray(self)[key]
        return super().__getitem__(key)


#: Equations that only reshape or retype their first input: a rule's output passes through them.
_RESHAPING = frozenset({"reshape", "squeeze", "expand_dims", "broadcast_in_dim", "convert_element_type", "copy",
                        "copy_p"})


def _jaxs_own(eqn, jax) -> bool:
    """Whether a custom call's function or rule is JAX's own (jnp.logaddexp, jax.nn.softplus)."""
    import os

    home = os.path.dirname(jax.__file__) + os.sep
    for value in eqn.params.values():
        info = getattr(getattr(value, "jaxpr", value), "debug_info", None) or getattr(value, "debug_info", None)
        where = str(getattr(info, "func_src_info", "") or "")
        if " at " in where and where.split(" at ", 1)[1].startswith(home):
            return True
    return False


def _custom_rule(function, x) -> bool:
    """Whether `function` holds a derivative rule of the student's: it is a custom_jvp with
    its rule defined (or a custom_vjp with both halves), or the equation that makes its
    output at x is a custom call whose function is not JAX's own, followed through jits and
    reshapes. A custom call whose result is not the output (x + 0 * rule(1.0)) does not count."""
    import jax

    for _unused in range(8):  # through the grader's own time limit (adcourse.remote.limited)
        function = getattr(function, "__course_limited__", function)
    if type(function) is jax.custom_jvp:
        return getattr(function, "jvp", None) is not None
    if type(function) is jax.custom_vjp:
        return getattr(function, "fwd", None) is not None and getattr(function, "bwd", None) is not None
    try:
        closed = jax.make_jaxpr(function)(x)
    except Exception:
        return False
    if len(closed.jaxpr.outvars) != 1:
        return False
    jaxpr, out = closed.jaxpr, closed.jaxpr.outvars[0]
    for _unused in range(64):  # nesting of jits and reshapes, bounded
        producer = next((e for e in jaxpr.eqns if any(v is out for v in e.outvars)), None)
        if producer is None:
            return False
        name = producer.primitive.name
        if name in ("custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"):
            return not _jaxs_own(producer, jax)
        if name in _RESHAPING:
            out = producer.invars[0]
            continue
        inner = producer.params.get("jaxpr")
        if inner is None:
            return False
        inner = getattr(inner, "jaxpr", inner)
        out = inner.outvars[[i for i, v in enumerate(producer.outvars) if v is out][0]]
        jaxpr = inner
    return False


def _softplus_program(args):
    """(stable_softplus, xs, ts): rows value and grad at each x of xs, then, over all of xs
    at once with vmap, the primal output of a vjp (what the rule returns as f(x)), the vjp
    with cotangents ts (what both custom_jvp and custom_vjp rules support), grad of 3 f(2x),
    grad, and jit of grad; as floats (nan where a call failed),
    the errors as [row, message] pairs, and whether a custom rule is in it."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    function, xs, ts = args
    xs, ts = np.asarray(xs, dtype=float), np.asarray(ts, dtype=float)
    rows, errors = [], []

    def each(compute):
        row, index = [], len(rows)
        for x, t in zip(xs, ts):
            try:
                row.append(float(compute(jnp.float64(x), jnp.float64(t))))
            except NotImplementedError:
                raise  # an exercise not answered yet: said as such, not as NaN
            except Exception as exc:
                errors.append([index, f"{type(exc).__name__}: {exc}"[:300]])
                row.append(np.nan)
        return row
    rows.append(each(lambda x, t: function(x)))
    rows.append(each(lambda x, t: jax.grad(function)(x)))
    # The other rows batched, one call each. The contract asks for a derivative at every
    # float, not for vmap or jit: where a batched call fails, the row is taken point by point.
    batched = ((lambda x, t: jax.vjp(function, x)[0], N_("the primal of a vjp")),
               (lambda x, t: jax.vjp(function, x)[1](t)[0], N_("a vjp")),
               (lambda x, t: jax.grad(lambda z: 3 * function(2 * z))(x / 2), N_("the chain rule")),
               (lambda x, t: jax.grad(function)(x), "vmap"),
               (None, "jit"))
    X, T = jnp.asarray(xs), jnp.asarray(ts)
    for compute, name in batched:
        try:
            if compute is None:
                values = jax.jit(jax.vmap(jax.grad(function)))(X)
            else:
                values = jax.vmap(compute)(X, T)
            row = [float(v) for v in np.asarray(values, dtype=float)]
        except NotImplementedError:
            raise
        except Exception as exc:
            errors.append([len(rows), _("{error} under {transform}: {message}").format(
                error=type(exc).__name__, transform=_(name), message=exc)[:300]])
            row = each(compute or (lambda x, t: jax.grad(function)(x)))
        rows.append(row)
    return np.array(rows), errors, _custom_rule(function, jnp.float64(1.0))


def _fixed_point_program(args):
    """(fixed_point_grad, T, dT_dx, dT_dtheta, x_star, theta, g): (answer as floats or None,
    what it holds instead, the number of the argument the call changed in place (0 if none),
    calls of T, of dT_dx and of dT_dtheta)."""
    function, T, dT_dx, dT_dtheta, x_star, theta, g = args
    calls = [0, 0, 0]
    given = tuple(np.array(a, dtype=float) for a in (x_star, theta, g))
    kept = tuple(a.copy() for a in given)

    def count(i, fn):
        def counted(x, th):
            calls[i] += 1
            return fn(np.asarray(x, dtype=float), np.asarray(th, dtype=float))
        return counted
    answer = function(count(0, T), count(1, dT_dx), count(2, dT_dtheta), *given)
    made = list(calls)  # read before the answer is converted
    changed = next((i + 4 for i, (a, b) in enumerate(zip(given, kept)) if not np.array_equal(a, b)), 0)
    values, held = _array(answer)
    return (values, held, changed, *made)


def _program(name, run):
    return Fn(name, run, df=None)


PER_EXAMPLE_PROGRAM = _program("per_example_grads on a loss, its Python calls counted (program)", _per_example_program)
SOFTPLUS_PROGRAM = _program("stable_softplus and its derivatives by grad, jvp, vmap and jit (program)", _softplus_program)
FIXED_POINT_PROGRAM = _program("fixed_point_grad with T and its Jacobians counted (program)", _fixed_point_program)
