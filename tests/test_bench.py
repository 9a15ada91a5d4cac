"""The tensor benchmark runs (at its tiny size only) and prints its ratios; no timing is asserted."""
from __future__ import annotations

import importlib.util
import math
import platform
import subprocess
import sys

import pytest

from .conftest import ROOT


def load_bench():
    spec = importlib.util.spec_from_file_location("tensor_step", ROOT / "bench" / "tensor_step.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tensor_benchmark_runs_at_its_tiny_size_and_prints_the_ratios():
    pytest.importorskip("autograd")
    bench = load_bench()
    lines = []
    rows = bench.run(["tiny"], repeat=1, out=lines.append)
    assert "ours/autograd" in lines[0] and "gradient/forward" in lines[0]
    assert lines[1].split()[0] == "tiny" and len(rows) == 1
    assert math.isfinite(rows[0]["ratio"]) and rows[0]["gradient_over_forward"] > 0


def test_both_engines_compute_the_same_gradient():
    pytest.importorskip("autograd")
    bench = load_bench()
    X, Y, arrays = bench.problem(*bench.SIZES["small"])
    ours, theirs = bench.ours_gradient(arrays, X, Y), bench.autograd_gradient()(arrays, X, Y)
    assert all(abs(a - b).max() < 1e-10 for a, b in zip(ours, theirs))


def test_an_unknown_size_is_refused_with_the_known_ones():
    bench = load_bench()
    with pytest.raises(SystemExit):
        bench.main(["--sizes", "huge"])


def test_the_verdict_names_each_missed_target_and_only_those():
    bench = load_bench()
    row = lambda size, ratio, cheap: {"size": size, "shape": bench.SIZES[size], "ratio": ratio,
                                      "gradient_over_forward": cheap}
    assert bench.verdict([row("tiny", 0.3, 5.0), row("wide", 0.9, 2.9)]) == "targets met"
    missed = bench.verdict([row("medium", 1.2, 6.0), row("wide", 0.8, 3.1), row("square", 0.9, 2.5)])
    assert missed == "targets missed at medium: ours/autograd 1.20; wide: gradient/forward 3.10"


def test_on_glibc_the_allocator_is_told_to_keep_freed_memory():
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("the second table needs glibc's mallopt")
    # In a child process: the setting lasts for the life of the process.
    program = (f"import runpy; bench = runpy.run_path({str(ROOT / 'bench' / 'tensor_step.py')!r}); "
               "print(bench['keep_freed_memory']())")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True", done.stderr


def test_the_higher_order_benchmark_prints_both_tables():
    """bench/higher_order_cost.py at its smallest sizes: both tables printed, their ratios
    finite, and checkpointing's memory ratio above 1 (bytes, not time, are asserted)."""
    spec = importlib.util.spec_from_file_location("higher_order_cost", ROOT / "bench" / "higher_order_cost.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines = []
    hessian = bench.hessian_costs([3], repeat=1, out=lines.append)
    memory = bench.memory_costs([64], repeat=1, out=lines.append)
    assert "hvp/grad" in lines[0] and lines[1].split()[0] == "3"
    assert "full/ckpt" in lines[2] and lines[3].split()[:2] == ["64", "8"]
    assert math.isfinite(hessian[0]["hvp"]) and math.isfinite(hessian[0]["hessian"])
    assert memory[0]["memory"] > 2


def test_the_frameworks_benchmark_prints_both_tables():
    """bench/frameworks_cost.py at its smallest sizes: both tables printed, the two ways
    agreeing to round-off and the unrolled derivative within 1e-10 of the implicit one
    (differences, not times, are asserted)."""
    spec = importlib.util.spec_from_file_location("frameworks_cost", ROOT / "bench" / "frameworks_cost.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines = []
    per_example = bench.per_example_costs([8], repeat=1, out=lines.append)
    fixed = bench.fixed_point_costs([6], repeat=1, out=lines.append)
    assert "loop/vmap" in lines[0] and lines[1].split()[0] == "8"
    assert "unrolled/implicit" in lines[2] and lines[3].split()[0] == "6"
    assert per_example[0]["difference"] < 1e-12 and math.isfinite(per_example[0]["ratio"])
    assert fixed[0]["difference"] <= 1e-10 and fixed[0]["k"] > 1
