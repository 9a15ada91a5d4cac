"""The tensor benchmark runs (at its tiny size only) and prints its ratios; no timing is asserted."""
from __future__ import annotations

import importlib.util
import math

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
