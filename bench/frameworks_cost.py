"""What vmap and implicit differentiation save, side by side in one run (chapter 09).

    python bench/frameworks_cost.py [--quick]

Part 1: per-example gradients of chapter 09's network loss for N rows, by a Python loop
of a jitted jax.grad (N calls) and by one jitted jax.vmap of it, with the ratio of the
times. Part 2: the derivative g^T dx*/dtheta of the fixed point of x <- tanh(W x + theta),
||W|| = 0.9, for x of n entries: by the implicit function theorem (the reference's one
NumPy solve) and by jax.grad through the k iterations that bring the unrolled derivative
within 1e-10 of it (jitted, compile time excluded), with the ratio of the times and the
states the unrolled one's reverse pass keeps. Times are the best of a few repeats; they
are figures for people, and no test asserts on them.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from adcourse.frameworks import fixed_point, use_float64  # noqa: E402

use_float64()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from adcourse.functions import LOSSES  # noqa: E402
from adcourse.functions.frameworks import params_size  # noqa: E402
from autograder.reference import frameworks as ref  # noqa: E402


def best(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        jax.block_until_ready(run())
        times.append(time.perf_counter() - start)
    return min(times)


def per_example_costs(sizes, repeat, d=5, out=print):
    out(f"{'rows':>6} {'loop s':>9} {'vmap s':>9} {'loop/vmap':>10} {'largest difference':>19}")
    loss = LOSSES[3].f
    one = jax.jit(jax.grad(loss))
    batched = jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        p, X, y = 0.5 * rng.standard_normal(params_size(LOSSES[3], d)), rng.standard_normal((n, d)), rng.standard_normal(n)
        looped = lambda: jnp.stack([one(p, x, t) for x, t in zip(X, y)])
        mapped = lambda: batched(p, X, y)
        difference = float(np.max(np.abs(np.asarray(looped()) - np.asarray(mapped()))))   # also compiles both
        tl, tv = best(looped, repeat), best(mapped, repeat)
        rows.append({"rows": n, "ratio": tl / tv, "difference": difference})
        out(f"{n:>6} {tl:>9.2e} {tv:>9.2e} {tl / tv:>10.1f} {difference:>19.1e}")
    return rows


def _map(n, norm=0.9):
    rng = np.random.default_rng(n)
    M = rng.standard_normal((n, n))
    W = norm * M / np.linalg.norm(M, 2)
    T = lambda x, theta: np.tanh(W @ x + theta)
    dT_dx = lambda x, theta: (1 - np.tanh(W @ x + theta) ** 2)[:, None] * W
    dT_dtheta = lambda x, theta: np.diag(1 - np.tanh(W @ x + theta) ** 2)
    return W, T, dT_dx, dT_dtheta


def fixed_point_costs(sizes, repeat, out=print):
    out(f"{'n':>5} {'k':>4} {'implicit s':>11} {'unrolled s':>11} {'unrolled/implicit':>18} {'states kept':>12} "
        f"{'largest difference':>19}")
    rows = []
    for n in sizes:
        W, T, dT_dx, dT_dtheta = _map(n)
        rng = np.random.default_rng(n + 1)
        theta, g = 0.3 * rng.standard_normal(n), rng.standard_normal(n)
        x_star = fixed_point(T, np.zeros(n), theta)
        implicit = ref.fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g)
        Wj = jnp.asarray(W)

        def unrolled(theta_, k):
            def step(_, x):
                return jnp.tanh(Wj @ x + theta_)
            return g @ jax.lax.fori_loop(0, k, step, jnp.zeros(n))
        grad = jax.jit(jax.grad(unrolled), static_argnums=1)
        k = 1
        while np.max(np.abs(np.asarray(grad(theta, k)) - implicit)) > 1e-10 and k < 4096:
            k *= 2
        difference = float(np.max(np.abs(np.asarray(grad(theta, k)) - implicit)))
        ti = best(lambda: ref.fixed_point_grad(T, dT_dx, dT_dtheta, x_star, theta, g), repeat)
        tu = best(lambda: grad(theta, k), repeat)
        rows.append({"n": n, "k": k, "ratio": tu / ti, "difference": difference})
        out(f"{n:>5} {k:>4} {ti:>11.2e} {tu:>11.2e} {tu / ti:>18.1f} {k:>12} {difference:>19.1e}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else 5
    per_example_costs([16, 64] if args.quick else [16, 64, 256, 1024], repeat)
    print()
    fixed_point_costs([10] if args.quick else [10, 100, 400], repeat)


if __name__ == "__main__":
    main()
