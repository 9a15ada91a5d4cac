"""The numbers and claims that chapter 06's prose states, computed as the notebook computes them.

Each test reads the instructor notebook's markdown (solutions/06_tensor_autodiff), computes
the figure with the course's reference code (autograder/reference, adcourse) or by running
the notebook's own demo cell, and checks that the text states what the code gives. No test
measures time: the timing cell is checked for how it measures, never for what it measures.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adcourse.tensor import make_moons, mlp_logits, mlp_probability  # noqa: E402
from autograder.reference import tensor_autodiff as ref  # noqa: E402

from .notebooks import flat, graded, notebook  # noqa: E402

CELLS = notebook("06_tensor_autodiff").cells


#: The teaching text: every markdown cell but the shared one (index 1) and the written answers.
TEACHING = [c.source for i, c in enumerate(CELLS) if c.cell_type == "markdown" and i != 1 and not graded(c)]
TEXT = "\n".join(TEACHING)


def markdown_with(fragment: str) -> str:
    found = [s for s in TEACHING if fragment in s]
    assert len(found) == 1, f"one markdown cell holds {fragment!r}: {len(found)} do"
    return found[0]


def demo_cell(fragment: str) -> str:
    found = [c.source for c in CELLS if c.cell_type == "code" and not graded(c) and fragment in c.source]
    assert len(found) == 1, f"one demo cell holds {fragment!r}: {len(found)} do"
    return found[0]


def run_demo(fragment: str, **names) -> dict:
    namespace = {"np": np, **names}
    exec(compile(demo_cell(fragment), f"<chapter 06 cell with {fragment}>", "exec"), namespace)
    return namespace


def test_the_teaching_cells_leave_grading_mechanics_to_the_shared_section():
    lowered = TEXT.lower()
    for phrase in ("hidden test", "visible test", "autograder", "the tests check", "the tests only"):
        assert phrase not in lowered, phrase


def test_a_jacobian_of_tanh_on_a_1000_by_1000_array_has_10_to_the_12_entries():
    assert "$1000 \\times 1000$ array would have $10^{12}$ entries" in flat(markdown_with("10^{12}"))
    assert (1000 * 1000) ** 2 == 10**12


def test_softplus_overflows_only_above_709_and_logaddexp_never():
    text = flat(markdown_with("**A stable softplus.**"))
    assert "only for $z$ above about 709" in text
    assert "about $1.8 \\cdot 10^{308} = e^{709.78}$" in text
    assert "`np.logaddexp(0, z)`" in text and "700" not in text
    largest = np.finfo(float).max
    assert f"{largest:.1e}" == "1.8e+308" and f"{np.log(largest):.2f}" == "709.78"
    demo = run_demo("stable = np.logaddexp(0.0, z)")
    z, naive, stable = demo["z"], demo["naive"], demo["stable"]
    assert np.array_equal(np.isinf(naive), z > np.log(largest)) and np.isinf(naive).any()
    assert np.isfinite(stable).all()
    exact = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    assert np.allclose(stable, exact, rtol=1e-15, atol=0)
    # "For very negative z ... the result [rounds] to 0, an absolute error below 1e-16"
    negative = z < -30
    assert np.all(naive[negative] == 0) and np.all(np.abs(naive - exact)[negative] < 1e-16)
    # "Its derivative is sigma(z)"
    for point in (-3.0, 0.0, 2.5):
        central = (np.logaddexp(0, point + 1e-6) - np.logaddexp(0, point - 1e-6)) / 2e-6
        assert abs(central - 1 / (1 + np.exp(-point))) < 1e-9


@pytest.fixture(scope="module")
def moons():
    return make_moons(200, noise=0.1, seed=0)


def test_the_first_loss_is_close_to_log_2(moons):
    assert "close to $\\log 2 \\approx 0.693$" in flat(markdown_with("\\log 2 \\approx 0.693"))
    assert f"{np.log(2):.3f}" == "0.693"
    X, y = moons
    first = ref.fit_mlp(X, y, hidden=16, steps=1, lr=1.0, seed=0)[1][0]
    assert abs(first - np.log(2)) < 0.03


def test_the_logits_of_the_trained_networks_stay_far_below_709(moons):
    assert "stay far below 709" in flat(markdown_with("**A stable softplus.**"))
    X, y = moons
    for hidden, steps in [(16, 500), (1, 2000), (3, 2000), (16, 2000)]:
        params, losses = ref.fit_mlp(X, y, hidden=hidden, steps=steps, lr=1.0, seed=0)
        assert np.max(np.abs(mlp_logits(params, X))) < 50, hidden


def test_one_tanh_unit_draws_a_straight_line_or_none(moons):
    text = flat(markdown_with("**One hidden unit draws a straight line.**"))
    assert "When $|b_2| < |w|$ that is the straight line $a^\\top x + c = \\operatorname{artanh}(-b_2 / w)$" in text
    assert "otherwise there is no boundary at all" in text
    assert "bent) line" not in TEXT
    rng = np.random.default_rng(6)
    for _ in range(20):
        a, c, w = rng.normal(size=2), rng.normal(), rng.normal()
        params = {"W1": a[:, None], "b1": np.array([c]), "W2": np.array([w])}
        points = rng.normal(size=(500, 2)) * 3
        params["b2"] = 0.9 * abs(w) * rng.uniform(-1, 1)
        level = np.arctanh(-params["b2"] / w) - c
        direction = np.array([-a[1], a[0]])
        on_line = level * a / (a @ a) + np.outer(rng.normal(size=50) * 5, direction)
        assert np.allclose(mlp_probability(params, on_line), 0.5, atol=1e-9)
        side = np.sign(points @ a - level)
        above = mlp_probability(params, points) > 0.5
        assert len(set(zip(side, above))) == 2  # one class on each side of the line
        params["b2"] = abs(w) * rng.uniform(1, 3) * rng.choice([-1, 1])
        assert len(set(mlp_probability(params, points) > 0.5)) == 1  # no boundary
    # The notebook's one-unit network has a boundary, the line it prints.
    X, y = moons
    trained = ref.fit_mlp(X, y, hidden=1, steps=2000, lr=1.0, seed=0)[0]
    w, b2 = float(trained["W2"][0]), float(trained["b2"])
    assert abs(b2) < abs(w)
    demo = demo_cell("fig, axes = plt.subplots(1, 3")
    assert "np.arctanh(-b2 / w) - c" in demo and "hidden=hidden, steps=2000, lr=1.0, seed=0" in demo
    assert "[1, 3, 16]" in demo and "2000 steps with 1, 3 and 16 hidden units" in text


def test_the_gradient_costs_about_twice_the_forward_in_multiply_adds():
    text = flat(markdown_with("## 5. How fast is it?"))
    assert "Forward plus backward is therefore about twice the forward's arithmetic, at every width" in text
    assert "nothing for $X$, a constant" in text
    assert "The count says about 2." in markdown_with("The count says")
    demo = run_demo("def multiply_adds(batch, inputs, width):")
    for width in demo["widths"]:
        forward, backward = demo["multiply_adds"](256, 64, width)
        assert forward == 256 * 64 * width + 256 * width
        assert 2.0 < (forward + backward) / forward < 2.05
    # X is a constant: X @ W1 records one parent, W1, whose VJP is X^T G (shape of W1).
    rng = np.random.default_rng(0)
    X, W1 = rng.normal(size=(256, 64)), ref.Tensor(rng.normal(size=(64, 16)))
    product = X @ W1
    assert len(product.parents) == 1 and product.parents[0][0] is W1
    G = rng.normal(size=(256, 16))
    assert np.allclose(product.parents[0][1](G), X.T @ G)


def test_both_engines_are_timed_the_same_way():
    source = demo_cell("def best_times(calls, repeat=5")
    timer = source[source.index("def best_times"):source.index("def step_problem")]
    assert ".timeit(1)" in timer and "min(column)" in timer  # one call first, then the minimum over rounds
    assert source.count("best_times(") == 2  # defined once, called once for all the engines
    assert "calls.append(lambda: their_gradient(arrays, X, t))" in source
    assert "perf_counter" not in source
    assert "check_close(mine, theirs" in source  # the same gradient, or the comparison means nothing
    text = flat(markdown_with("Time is another matter."))
    assert "Every figure is measured the same way, by `best_times`" in text


def test_the_summary_says_only_what_the_figures_show_and_names_the_frameworks():
    summary = flat(markdown_with("## Summary"))
    assert "compares well" not in summary
    assert "about twice the forward's" in summary
    assert "**In PyTorch and JAX.**" in summary
    for api in ("requires_grad=True", "grad_fn", "loss.backward()", "optimizer.zero_grad()",
                "torch.autograd.grad", "torch.autograd.Function", "jax.vjp", "jax.grad", "jax.custom_vjp",
                "torch.nn.functional.binary_cross_entropy_with_logits", "jax.nn.softplus"):
        assert f"`{api}" in summary, api


def test_the_model_answer_on_broadcasting_says_what_numpy_does():
    """A (3,) bias stepped with a (4, 3) gradient becomes (4, 3); a batch of 5 then cannot be
    added to it; and an in-place accumulation of a (4, 3) contribution into (3,) fails."""
    b, g = np.zeros(3), np.ones((4, 3))
    assert (b - 0.1 * g).shape == (4, 3)
    with pytest.raises(ValueError):
        np.zeros((5, 3)) + (b - 0.1 * g)
    with pytest.raises(ValueError):
        b += g
    answer = flat(next(c.source for c in CELLS
                       if c.metadata.get("nbgrader", {}).get("grade_id") == "written_broadcasting"))
    assert "silently turns the bias into a `(4, 3)` array" in answer
    assert "`(5, 3)` and `(4, 3)` do not broadcast" in answer
    assert "a `(4, 3)` contribution fails at once" in answer
