"""The numbers and claims that chapter 04's prose states, computed as its cells compute them.

Each test computes a figure with the chapter's own code (adcourse.reverse and the reference
answers) and asserts that the markdown of the instructor notebook states it. The timings
of the cheap-gradient plot are never asserted: the prose describes them only in words.
"""
from __future__ import annotations

import functools
import itertools
import re
import subprocess
import sys

import numpy as np
import pytest

from adcourse.reverse import (
    adjoint_steps,
    count_gradients,
    forward_units,
    graph_nodes,
    graph_size,
    path_count,
    rosenbrock,
    table3_trace,
)
from autograder.reference import reverse as ref

from .notebooks import code_cell, flat as _flat, graded as _graded, notebook

NOTEBOOK = notebook("04_reverse")


MARKDOWN = [_flat(c.source) for c in NOTEBOOK.cells if c.cell_type == "markdown" and not _graded(c)]
PROSE = "\n".join(MARKDOWN)


def says(*phrases: str) -> None:
    for phrase in phrases:
        assert _flat(phrase) in PROSE, f"the chapter's markdown does not state {phrase!r}"


def _trace():
    """The forward trace of Table 3 with the reference Var, as the notebook's cell builds it."""
    v_1, v0 = ref.Var(2.0), ref.Var(5.0)
    v1 = ref.log(v_1)
    v2 = v_1 * v0
    v3 = ref.sin(v0)
    v4 = v1 + v2
    v5 = v4 - v3
    return v_1, v0, v1, v2, v3, v4, v5


def test_the_reference_to_backward_names_the_section_on_backward():
    sections = dict(re.findall(r"^## (\d+)\. (.*)$", "\n".join(c.source for c in NOTEBOOK.cells
                                                               if c.cell_type == "markdown"), re.MULTILINE))
    (number,) = re.findall(r"your `backward` of Section (\d+)", PROSE)
    assert sections[number].startswith("`backward`"), sections
    (number,) = re.findall(r"the operation count of Section (\d+)", PROSE)
    assert "cheap-gradient" in sections[number], sections
    numbers = re.findall(r"Section (\d+) (?:reads|trains)", PROSE)  # the PyTorch cell's and the summary's
    assert len(numbers) == 2 and all(sections[n].startswith("A small network trained") for n in numbers), sections


# --- Section 3: the adjoint table and the printed order ------------------------------------

def test_every_adjoint_of_the_table_is_the_reverse_trace_rounded():
    (table,) = [c.source for c in NOTEBOOK.cells if c.cell_type == "markdown" and "| adjoint |" in c.source]
    rows = [line for line in table.splitlines() if line.startswith("| $\\bar v")]
    stated = [float(re.search(r"\$(-?[\d.]+)\$ \|$", row.strip()).group(1)) for row in rows]
    steps = adjoint_steps(*table3_trace()[:2])  # the stepper's order, the table's
    computed = [steps[0][3][-1]] + [adjoint[parent] for _, parent, _, adjoint in steps[1:]]
    assert len(stated) == len(computed) == 9
    for value, exact in zip(stated, computed):
        assert value == pytest.approx(exact, abs=5e-4), (stated, computed)
    x1bar, x2bar = ref.grad(lambda a, b: ref.log(a) + a * b - ref.sin(b))(2.0, 5.0)
    assert (x1bar, round(x2bar, 3)) == (5.5, 1.716) == (1 / 2 + 5, round(2 - np.cos(5.0), 3))
    says("$\\bar x_1 = 5.5$, $\\bar x_2 = 1.716$ both ways")


def test_the_cell_processes_v3_before_v4_and_both_orders_are_reverse_topological():
    _, _, v1, v2, v3, v4, v5 = _trace()
    order = [id(n) for n in reversed(graph_nodes(v5))]
    assert order.index(id(v3)) < order.index(id(v4))
    table_order = [v5, v4, v3, v2, v1]  # the table's: the trace backwards
    for sweep in (order, [id(n) for n in table_order]):
        position = {key: k for k, key in enumerate(sweep)}
        for node in (v5, v4, v3, v2, v1):
            for parent, _ in node.parents:
                if id(parent) in position:  # every user of a node comes before it
                    assert position[id(node)] < position[id(parent)]
    says("With the course's `Var` it processes $v_3$ before $v_4$",
         "Both are **reverse topological orders**",
         "the slider walks the reverse trace in the table's order")


# --- Section 4: paths, nodes, recursion ---------------------------------------------------

@pytest.mark.parametrize("levels", [4, 8, 16, 60])
def test_the_doubling_graph_has_3k_plus_1_nodes_and_2_to_the_k_paths(levels):
    x = ref.Var(1.0)
    v = x
    for _ in range(levels):
        v = v * 0.5 + v * 0.5
    nodes, leaves, edges = graph_size(v)
    assert (nodes, leaves, edges) == (3 * levels + 1, 1, 4 * levels)
    assert path_count(v, x) == 2 ** levels
    if levels == 60:
        assert f"{2 ** 60:.1e}" == "1.2e+18"
        says("each level adds 3 nodes and doubles the paths",
             "At $k = 60$ the graph has 181 nodes and $2^{60} \\approx 1.2 \\times 10^{18}$ paths")


def test_python_stops_a_recursion_at_1000_nested_calls():
    printed = subprocess.run([sys.executable, "-c", "import sys; print(sys.getrecursionlimit())"],
                             capture_output=True, text=True, check=True).stdout
    assert int(printed) == 1000
    says("Python stops at 1,000 nested calls (`RecursionError`; the cell after `backward` shows it)")


def test_a_recursive_walk_of_the_30000_chain_fails_and_backward_does_not():
    x = ref.Var(1.0)
    v = x
    for _ in range(30_000):
        v = v * 1.0001

    def depth(node):
        return 1 + max((depth(parent) for parent, _ in node.parents), default=0)

    with pytest.raises(RecursionError):
        depth(v)
    ref.backward(v)
    assert x.grad == pytest.approx(1.0001 ** 30000, rel=1e-9)
    says("A chain 30,000 operations deep: a recursive walk of it fails")


# --- Section 6: the operation counts of the cheap-gradient plot ----------------------------

NS = (2, 4, 8, 16, 32, 64, 128, 256)


def test_rosenbrock_records_8_operations_and_11_edges_per_term():
    counts = count_gradients(ref.grad, NS)
    for k, n in enumerate(NS):
        assert counts["operations"][k] == counts["f"][k] == 8 * (n - 1)
        assert counts["edges"][k] == 11 * (n - 1) - 1  # the first term's sum starts from 0.0
        assert counts["edges"][k] <= 2 * counts["operations"][k]
    says("each term of Rosenbrock's sum records 8 operations and 11 edges (the first term 10: the sum "
         "starts from the float 0.0, which is no parent), so $N = 8(n - 1)$")


def test_reverse_mode_costs_one_forward_pass_at_most_5_evaluations_forward_mode_n_passes():
    counts = count_gradients(ref.grad, NS)
    reverse = [r / f for r, f in zip(counts["reverse"], counts["f"])]
    forward = [u / f for u, f in zip(counts["forward"], counts["f"])]
    for k, n in enumerate(NS):
        N, E = counts["operations"][k], counts["edges"][k]
        assert counts["reverse"][k] == N + 2 * E
        assert counts["forward"][k] == n * (N + 2 * E)  # counted by the dual class as it runs
        assert forward[k] == pytest.approx(n * reverse[k])
        assert reverse[k] <= 5
    assert reverse[0] == 3.5 and f"{reverse[-1]:.2f}" == "3.75" and 1 + 22 / 8 == 3.75
    assert all(a < b for a, b in itertools.pairwise(reverse))  # rises towards 3.75
    says("reverse mode's ratio $1 + 2E/N$ rises from 3.5 at $n = 2$ towards $1 + 22/8 = 3.75$, below the bound 5",
         "forward mode's ratio is $n$ times as large",
         "$E \\le 2N$, and the gradient by reverse mode costs at most $5N$ units",
         "one forward-mode pass costs $N + 2E$",
         "$N + 2E$, the cost of *one* forward pass, whatever $n$")


def test_the_counting_dual_class_counts_one_pass_as_the_graph_predicts():
    x = [0.3, -0.7, 1.1]
    nodes, leaves, edges = graph_size(rosenbrock(*[ref.Var(v) for v in x]))
    assert forward_units(rosenbrock, x) == len(x) * (nodes - leaves + 2 * edges)


def test_the_time_panel_is_described_as_the_best_of_as_many_repeats_as_it_takes():
    import inspect

    from adcourse.reverse import time_gradients
    repeat = inspect.signature(time_gradients).parameters["repeat"].default
    says(f"each the best of {repeat} repeats of one full gradient")


# --- Section 6: a small network trained with Var ---------------------------------------------

@functools.lru_cache(maxsize=1)
def _xor_demo() -> dict:
    """The demo cell of Section 6, run with the reference's train_scalar_mlp."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"np": np, "plt": plt, "train_scalar_mlp": ref.train_scalar_mlp}
    try:
        exec(compile(code_cell(NOTEBOOK, "xor_params, xor_losses = train_scalar_mlp("), "<the XOR demo>", "exec"),
             namespace)
    finally:
        plt.close("all")
    return namespace


def test_the_network_has_3_tanh_units_and_13_parameters_in_the_stated_order():
    data = [(0.3, -0.7, 0.2), (1.1, 0.4, -0.5)]
    params = [0.1 * (k + 1) * (-1) ** k for k in range(13)]
    w, b, v, c = params[:6], params[6:9], params[9:12], params[12]
    out = [sum(v[j] * np.tanh(w[2 * j] * x1 + w[2 * j + 1] * x2 + b[j]) for j in range(3)) + c for x1, x2, _ in data]
    _, (loss,) = ref.train_scalar_mlp(params, data, steps=1)
    assert loss == pytest.approx(np.mean([(o - y) ** 2 for o, (_, _, y) in zip(out, data)]), rel=1e-12)
    says("one hidden layer of 3 tanh units and one linear output", "13 parameters in all",
         "`[w_11, w_12, w_21, w_22, w_31, w_32, b_1, b_2, b_3, v_1, v_2, v_3, c]`",
         "$w_{jk}$ multiplies input $k$ in hidden unit $j$",
         "so `steps=0` returns the parameters unchanged and `[]`")
    assert ref.train_scalar_mlp(params, data, steps=0) == (params, [])


def test_backward_starting_from_0_keeps_a_gradient_from_carrying_over_to_the_next_step():
    x = ref.Var(2.0)
    ref.backward(x * x)
    ref.backward(x * 3.0)  # the same leaf in the next step's graph
    assert x.grad == 3.0
    says("Your `backward` starts every node it reaches from 0, so a gradient never carries over")


def test_the_xor_points_their_labels_and_no_line_separating_them():
    demo = _xor_demo()
    points, labels = demo["xor_points"], demo["xor_labels"]
    assert len(demo["xor_data"]) == len(points) == 8 and len(demo["xor_start"]) == 13
    assert np.array_equal(np.sign(points[:, 0] * points[:, 1]), labels)  # same signs: +1
    assert np.array_equal(demo["xor_corners"][:2], [[1, 1], [-1, -1]]) and (labels[:2] == 1).all()
    # the segment between two +1 points crosses the one between two -1 points: their convex
    # hulls meet, so no line has all the +1 points on one side and the -1 points on the other
    (a, b), (p, q) = points[[0, 1]], points[[2, 3]]
    t, u = np.linalg.solve(np.column_stack([b - a, p - q]), p - a)
    assert 0 <= t <= 1 and 0 <= u <= 1 and labels[2] == labels[3] == -1
    source = code_cell(NOTEBOOK, "xor_params, xor_losses = train_scalar_mlp(")
    assert "lr=0.1, steps=200" in source and "semilogy" in source
    says("Eight points of XOR, two near each corner of the square", "No straight line separates the two labels",
         "for 200 steps with `lr=0.1`", "the loss before each step (log scale)")


def test_the_stated_course_of_the_loss_and_the_points_on_their_side_of_the_boundary():
    demo = _xor_demo()
    losses, labels = np.array(demo["xor_losses"]), demo["xor_labels"]
    assert len(losses) == 200 and (np.diff(losses) < 0).all()  # falls at every step
    assert f"{losses[0]:.2f}" == "1.32" and f"{losses[-1]:.3f}" == "0.033"
    plateau = losses[10:101]
    assert round(plateau.min(), 2) == 0.93 and plateau.max() <= 1.01
    assert losses[100] > 0.9  # the drop comes after step 100
    assert labels.mean() == 0 and (labels ** 2 == 1).all()  # the best constant, 0, has loss 1
    assert np.mean((labels - labels.mean()) ** 2) == 1.0
    out = demo["xor_out"](demo["xor_params"], demo["xor_points"][:, 0], demo["xor_points"][:, 1])
    assert np.array_equal(np.sign(out), labels)
    says("from 1.32 before the first to 0.033 before the last",
         "from step 10 to step 100 it stays between 0.93 and 1.01",
         "the least mean squared error a constant output can reach on these labels (their mean is 0 and each $y^2$ is 1)",
         "the drop to 0.033 comes after step 100",
         "each of the 8 points lies on the side of the boundary that its label gives")


def test_xor_out_is_the_network_of_the_exercise():
    demo = _xor_demo()
    params, data = demo["xor_params"], demo["xor_data"]
    x1, x2 = np.array([p[0] for p in data]), np.array([p[1] for p in data])
    _, (loss,) = ref.train_scalar_mlp(params, data, steps=1)
    y = np.array([p[2] for p in data])
    assert loss == pytest.approx(np.mean((demo["xor_out"](params, x1, x2) - y) ** 2), rel=1e-12)


# --- the chapter as a whole ---------------------------------------------------------------

def test_the_chapter_ends_with_pytorch_and_jax_before_its_summary():
    headings = [c.source.splitlines()[0] for c in NOTEBOOK.cells if c.cell_type == "markdown"]
    assert headings[-2:] == ["## In PyTorch and JAX", "## Summary"]
    says("`torch.autograd.grad(y, inputs)`", "`jax.vjp(f, x)`", "`retain_graph=True`")
    says("`loss.backward(); with torch.no_grad(): p -= lr * p.grad; p.grad.zero_()`",
         "Section 6 trains a network of 13 parameters this way")


def test_no_grading_mechanics_in_the_teaching_cells():
    teaching = [m for m in MARKDOWN if not m.startswith("## How your work is checked")]
    for phrase in ("hidden test", "visible test", "autograder", "graded"):
        assert not any(phrase in m.lower() for m in teaching), phrase
