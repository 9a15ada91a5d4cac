"""One training step of a two-layer network with chapter 06's reference engine, beside
the same step with HIPS autograd.

The step: P = tanh(X W1 + b1) W2 + b2, loss = mean((P - Y)**2), then the gradient of
the loss with respect to W1, b1, W2, b2 (X and Y are constants), at sizes from tiny
(where Python's work per node is all there is) to 1024 wide (where NumPy's matrix
products are). Per size it prints the median time of a step for each engine and their
ratio, and, for the reference engine, the time of the gradient (forward and backward)
over the time of the forward pass alone, and whether the targets hold: no slower than
autograd at any size, gradient within 3 times forward at 1024 wide.

Each table is printed twice, under two settings of glibc's allocator, because at the
larger sizes the allocator decides the figures. With its defaults, glibc gives the
freed top of the heap back to the system once more than a few arrays' worth is free,
which happens at the end of every step when the graph is dropped; the next step then
pays a page fault for every page of every new array (both engines do; on a small VM
this is most of the time at 1024 wide). The second table keeps freed memory for reuse
(mallopt M_TRIM_THRESHOLD and M_MMAP_THRESHOLD, the environment's MALLOC_TRIM_THRESHOLD_
and MALLOC_MMAP_THRESHOLD_), as array libraries' own caching allocators do: it
measures the engines rather than the system's page faults.

    python bench/tensor_step.py [--sizes tiny,small,...] [--repeat N] [--allocator both|default|kept]

The `bench` extra installs autograd (pip install -e '.[bench]').
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import statistics
import sys
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.reference.tensor_autodiff import Tensor, backward  # noqa: E402

#: name -> (batch, inputs, hidden width, outputs)
SIZES = {
    "tiny": (8, 4, 4, 1),
    "small": (32, 16, 32, 1),
    "medium": (128, 64, 256, 1),
    "wide": (256, 64, 1024, 1),
    "square": (256, 1024, 1024, 1024),
}


def problem(batch, inputs, hidden, outputs, seed=0):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(batch, inputs)), rng.normal(size=(batch, outputs))
    params = [rng.normal(size=(inputs, hidden)) / np.sqrt(inputs), np.zeros(hidden),
              rng.normal(size=(hidden, outputs)) / np.sqrt(hidden), np.zeros(outputs)]
    return X, Y, params


def loss(params, X, Y, tanh, mean):
    """The same expression for both engines (tanh and mean differ by engine)."""
    W1, b1, W2, b2 = params
    R = tanh(X @ W1 + b1) @ W2 + b2 - Y
    return mean(R * R)


def ours_forward(arrays, X, Y):
    return loss([Tensor(a) for a in arrays], X, Y, Tensor.tanh, Tensor.mean)


def ours_gradient(arrays, X, Y):
    params = [Tensor(a) for a in arrays]
    backward(loss(params, X, Y, Tensor.tanh, Tensor.mean))
    return [p.grad for p in params]


def autograd_gradient():
    """The step with autograd, or None when autograd is not installed."""
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    step = autograd.grad(lambda params, X, Y: loss(params, X, Y, anp.tanh, anp.mean))
    return lambda arrays, X, Y: step(list(arrays), X, Y)


def median_time(function, repeat: int) -> float:
    """The median over `repeat` rounds of the time of one call (timeit-style: each round
    calls enough times to last about 0.05 s)."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    number = max(1, number // 4)
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


#: mallopt parameters of glibc's malloc.h.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: The targets: ours/autograd at most this at every size, and gradient/forward at most
#: this at the sizes 1024 wide.
RATIO_TARGET, CHEAP_GRADIENT_TARGET = 1.0, 3.0


def keep_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse (no trimming, no mmap per large array);
    False when the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    big = 1 << 30
    return bool(mallopt(M_TRIM_THRESHOLD, big)) and bool(mallopt(M_MMAP_THRESHOLD, big))


def verdict(rows: list[dict]) -> str:
    """Whether the rows meet the targets, and where they do not."""
    missed = [f"{r['size']}: ours/autograd {r['ratio']:.2f}" for r in rows
              if r["ratio"] > RATIO_TARGET]
    missed += [f"{r['size']}: gradient/forward {r['gradient_over_forward']:.2f}" for r in rows
               if r["shape"][2] >= 1024 and r["gradient_over_forward"] > CHEAP_GRADIENT_TARGET]
    return "targets met" if not missed else "targets missed at " + "; ".join(missed)


def run(sizes, repeat: int, out=print) -> list[dict]:
    theirs = autograd_gradient()
    rows = []
    out(f"{'size':>7} {'batch x in -> hidden -> out':>28} {'ours':>10} {'autograd':>10} "
        f"{'ours/autograd':>14} {'gradient/forward':>17}")
    for name in sizes:
        X, Y, arrays = problem(*SIZES[name])
        if theirs is not None:  # the same gradient, or the comparison means nothing
            for a, b in zip(ours_gradient(arrays, X, Y), theirs(arrays, X, Y)):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        forward = median_time(lambda: ours_forward(arrays, X, Y), repeat)
        ours = median_time(lambda: ours_gradient(arrays, X, Y), repeat)
        other = median_time(lambda: theirs(arrays, X, Y), repeat) if theirs else float("nan")
        row = {"size": name, "shape": SIZES[name], "ours": ours, "autograd": other,
               "ratio": ours / other, "gradient_over_forward": ours / forward}
        rows.append(row)
        b, i, h, o = SIZES[name]
        out(f"{name:>7} {f'{b} x {i} -> {h} -> {o}':>28} {ours * 1e3:>8.3f}ms {other * 1e3:>8.3f}ms "
            f"{row['ratio']:>14.2f} {row['gradient_over_forward']:>17.2f}")
    if theirs is None:
        out("(autograd is not installed: pip install -e '.[bench]')")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--repeat", type=int, default=7, help="rounds per measurement (the median is kept)")
    parser.add_argument("--allocator", choices=("both", "default", "kept"), default="both",
                        help="glibc's defaults, freed memory kept for reuse, or both (one table each, "
                             "in this order: the setting cannot be undone within a run)")
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose among {', '.join(SIZES)}")
    settings = {"default": ["default"], "kept": ["kept"], "both": ["default", "kept"]}[args.allocator]
    for setting in settings:
        if setting == "kept" and not keep_freed_memory():
            print("\n(not glibc: the allocator's setting cannot be changed here)")
            break
        print("\nglibc's allocator " + ("with its defaults" if setting == "default"
                                        else "keeping freed memory for reuse") + ":")
        rows = run(sizes, args.repeat)
        if any(r["autograd"] == r["autograd"] for r in rows):  # not NaN: autograd ran
            print(verdict(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
