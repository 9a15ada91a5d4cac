"""What second derivatives and the tape cost, side by side in one run (chapter 08).

    python bench/higher_order_cost.py [--quick]

Part 1: on the extended Rosenbrock function of n variables, the time of one gradient
(a reverse pass on floats), one Hessian-vector product (one reverse pass on dual
numbers) and the full Hessian (n products), with the ratios HVP / gradient and
Hessian / gradient. Part 2: the gradient of the chapter's recurrence of length n with
the full tape and with checkpoints every round(sqrt n) steps: peak bytes (tracemalloc)
and time, with the ratios. Times are the best of a few repeats; they are figures for
people, and no test asserts on them.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from adcourse import higher_order as ho  # noqa: E402
from autograder.reference import higher_order as ref  # noqa: E402


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def gradient(f, x):
    xs = [ho.Var(a) for a in x]
    f(xs).backward()
    return np.array([xi.grad for xi in xs])


def best(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def hessian_costs(sizes, repeat, out=print):
    out(f"{'n':>5} {'gradient s':>11} {'hvp s':>9} {'hessian s':>10} {'hvp/grad':>9} {'hessian/grad':>13}")
    rows = []
    for n in sizes:
        x = np.linspace(-1.0, 1.0, n)
        v = np.ones(n)
        g = best(lambda: gradient(rosenbrock, x), repeat)
        h = best(lambda: ref.hvp(rosenbrock, x, v), repeat)
        H = best(lambda: ref.hessian(rosenbrock, x), max(1, repeat // 2))
        rows.append({"n": n, "hvp": h / g, "hessian": H / g})
        out(f"{n:>5} {g:>11.2e} {h:>9.2e} {H:>10.2e} {h / g:>9.2f} {H / g:>13.1f}")
    return rows


def memory_costs(lengths, repeat, out=print):
    out(f"{'n':>6} {'every':>5} {'full KiB':>10} {'ckpt KiB':>10} {'full/ckpt':>9} "
        f"{'full s':>9} {'ckpt s':>9} {'ckpt/full time':>14}")
    rows = []
    x0 = ho.recurrence_start()
    for n in lengths:
        every = max(1, round(math.sqrt(n)))
        full, ckpt = ref.tape_memory(n)
        tf = best(lambda: ho.full_tape_grad(ho.recurrence_step, ho.recurrence_vjp, x0, n), repeat)
        tc = best(lambda: ref.checkpointed_grad(ho.recurrence_step, ho.recurrence_vjp, x0, n, every), repeat)
        rows.append({"n": n, "memory": full / ckpt, "time": tc / tf})
        out(f"{n:>6} {every:>5} {full / 1024:>10.0f} {ckpt / 1024:>10.0f} {full / ckpt:>9.1f} "
            f"{tf:>9.2e} {tc:>9.2e} {tc / tf:>14.2f}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else 5
    hessian_costs([2, 5] if args.quick else [2, 5, 10, 20, 50], repeat)
    print()
    memory_costs([16, 64] if args.quick else [16, 64, 256, 1024, 4096], repeat)


if __name__ == "__main__":
    main()
