"""Functions of chapter 09_frameworks, and the programs that run a student's answer on them.

`LOSSES`: per-example losses loss(params, x, y) written with jax.numpy (so JAX can trace
them), each with its gradient in params written out by hand in NumPy (`df`), which the
tests hold JAX's against. `FIXED_POINTS`: maps T(x, theta) that contract in x, each with
its two partial Jacobians by hand, as triples (T, dT_dx, dT_dtheta) in NumPy.

The programs run in the student's kernel and return data: `PER_EXAMPLE_PROGRAM` calls a
`per_example_grads` and counts the Python calls of the loss (vmap traces it once, a loop
over the rows calls it once per row); `SOFTPLUS_PROGRAM` evaluates a `stable_softplus`
and its derivatives by grad, vjp, vmap and jit, and says whether a custom rule is in it;
`FIXED_POINT_PROGRAM` calls a `fixed_point_grad` with T and its Jacobians counted. JAX is
imported only when one of them runs.
"""
from __future__ import annotations

import numpy as np

from .scalar import Fn, FnOfArgs

__all__ = ["FIXED_POINTS", "FIXED_POINT_PROGRAM", "LOSSES", "PER_EXAMPLE_PROGRAM", "SOFTPLUS_PROGRAM", "map_matrix",
           "params_size"]


def _jnp():
    import jax.numpy as jnp

    return jnp


# --- per-example losses ----------------------------------------------------------------------

def _squared(p, x, y):
    return 0.5 * (_jnp().dot(p, x) - y) ** 2


def _squared_grad(p, x, y):
    return (p @ x - y) * x


def _logistic(p, x, y):
    """log(1 + exp(-y p.x)) for labels y = +-1, written stably with logaddexp."""
    return _jnp().logaddexp(0.0, -y * _jnp().dot(p, x))


def _logistic_grad(p, x, y):
    z = -y * (p @ x)
    return -y * x * (0.5 * (1 + np.tanh(z / 2)))  # sigmoid(z), stable


def _poisson(p, x, y):
    jnp = _jnp()
    return jnp.exp(jnp.dot(p, x)) - y * jnp.dot(p, x)


def _poisson_grad(p, x, y):
    return (np.exp(p @ x) - y) * x


#: Hidden units of the network loss; params = [W.ravel(), v] for W of shape (HIDDEN, d).
HIDDEN = 3


def _network(p, x, y):
    """0.5 (v . tanh(W x) - y)^2: a one-hidden-layer network, its params flattened."""
    jnp = _jnp()
    d = x.shape[0]
    W, v = p[:HIDDEN * d].reshape(HIDDEN, d), p[HIDDEN * d:]
    return 0.5 * (jnp.dot(v, jnp.tanh(W @ x)) - y) ** 2


def _network_grad(p, x, y):
    d = x.shape[0]
    W, v = p[:HIDDEN * d].reshape(HIDDEN, d), p[HIDDEN * d:]
    h = np.tanh(W @ x)
    r = v @ h - y
    return np.concatenate([np.outer(r * v * (1 - h * h), x).ravel(), r * h])


#: (loss, number of params for rows of d features): the losses of per_example_grads.
LOSSES = (
    FnOfArgs("0.5 (p.x - y)^2", _squared, _squared_grad),
    FnOfArgs("log(1 + exp(-y p.x))", _logistic, _logistic_grad),
    FnOfArgs("exp(p.x) - y p.x", _poisson, _poisson_grad),
    FnOfArgs("0.5 (v.tanh(W x) - y)^2, p = [W.ravel(), v]", _network, _network_grad),
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
    instead, Python calls of the loss)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    function, loss, params, X, y = args
    calls = [0]

    def counted(p, x, t):
        calls[0] += 1
        return loss(p, x, t)
    values, held = _array(function(counted, np.array(params, dtype=float), np.array(X, dtype=float),
                                   np.array(y, dtype=float)))
    return values, held, calls[0]


def _custom_rule(function, x) -> bool:
    """Whether `function` is a custom_jvp or custom_vjp function, or calls one (at any
    depth: under jit too, whose jaxpr holds the call's)."""
    import jax

    if isinstance(function, (jax.custom_jvp, jax.custom_vjp)):
        return True
    try:
        text = str(jax.make_jaxpr(function)(x))
    except Exception:
        return False
    return "custom_jvp_call" in text or "custom_vjp_call" in text


def _softplus_program(args):
    """(stable_softplus, xs, ts): rows value and grad at each x of xs, then, over all of xs
    at once with vmap, the vjp with cotangents ts (what both custom_jvp and custom_vjp rules
    support), grad of 3 f(2x), grad, and jit of grad; as floats (nan where a call failed),
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
    batched = ((lambda x, t: jax.vjp(function, x)[1](t)[0], "a vjp"),
               (lambda x, t: jax.grad(lambda z: 3 * function(2 * z))(x / 2), "the chain rule"),
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
            errors.append([len(rows), f"{type(exc).__name__} under {name}: {exc}"[:300]])
            row = each(compute or (lambda x, t: jax.grad(function)(x)))
        rows.append(row)
    return np.array(rows), errors, _custom_rule(function, jnp.float64(1.0))


def _fixed_point_program(args):
    """(fixed_point_grad, T, dT_dx, dT_dtheta, x_star, theta, g): (answer as floats or None,
    what it holds instead, calls of T, of dT_dx and of dT_dtheta)."""
    function, T, dT_dx, dT_dtheta, x_star, theta, g = args
    calls = [0, 0, 0]

    def count(i, fn):
        def counted(x, th):
            calls[i] += 1
            return fn(np.asarray(x, dtype=float), np.asarray(th, dtype=float))
        return counted
    values, held = _array(function(count(0, T), count(1, dT_dx), count(2, dT_dtheta), np.array(x_star, dtype=float),
                                   np.array(theta, dtype=float), np.array(g, dtype=float)))
    return (values, held, *calls)


def _program(name, run):
    return Fn(name, run, df=None)


PER_EXAMPLE_PROGRAM = _program("per_example_grads on a loss, its Python calls counted (program)", _per_example_program)
SOFTPLUS_PROGRAM = _program("stable_softplus and its derivatives by grad, jvp, vmap and jit (program)", _softplus_program)
FIXED_POINT_PROGRAM = _program("fixed_point_grad with T and its Jacobians counted (program)", _fixed_point_program)
