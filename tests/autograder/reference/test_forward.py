"""The reference of chapter 03 against exact derivatives (SymPy), not against itself."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

from autograder.reference import forward as ref

t = sympy.Symbol("t", positive=True)


@pytest.mark.parametrize("expr, a", [(t ** t, 2.0), (t ** t, 0.7), (t ** sympy.sin(t), 1.3), ((t + 1) ** (2 * t), 0.4)])
def test_second_derivatives_of_powers_with_a_dual_exponent_are_exact(expr, a):
    f = sympy.lambdify(t, expr, modules=[{"sin": ref.sin, "exp": ref.exp, "log": ref.log}])
    exact = float(sympy.diff(expr, t, 2).subs(t, a))
    assert np.isclose(ref.second_derivative(f, a), exact, rtol=1e-12)
    assert np.isclose(ref.derivative(f, a), float(sympy.diff(expr, t).subs(t, a)), rtol=1e-12)


@pytest.mark.parametrize("n", [2.0, 3.0, -1.0])
def test_a_constant_exponent_follows_the_power_rule_at_a_negative_base(n):
    d = ref.Dual(-1.5, 0.25) ** n
    assert np.isclose(d.value, (-1.5) ** n) and np.isclose(d.tangent, n * (-1.5) ** (n - 1) * 0.25)


@pytest.mark.parametrize("index", range(4))
def test_vector_mode_gives_sympys_jacobian_in_one_pass(index):
    """Against SymPy's Jacobian of the same formulas (the catalogue's dual-ready functions)."""
    from adcourse.functions import DUAL_JACOBIAN

    x0, x1, x2, x3 = sympy.symbols("x0:4", real=True)
    formulas = [([sympy.sin(x0) * x1, x0**2 + x2, sympy.exp(x1 - x2), x0 * x1 * x2], [x0, x1, x2]),
                ([x0 * sympy.cos(x1), x0 * sympy.sin(x1), x0**2], [x0, x1]),
                ([sympy.log(x0) + x0 * x1 - sympy.sin(x1)], [x0, x1]),
                ([sympy.tanh(x) * (x0 + x1 + x2 + x3) for x in (x0, x1, x2, x3)], [x0, x1, x2, x3])]
    outputs, inputs = formulas[index]
    fn = DUAL_JACOBIAN[index]
    point = np.random.default_rng(index).uniform(*fn.domain, size=len(inputs))
    exact = np.array(sympy.Matrix(outputs).jacobian(inputs).subs(dict(zip(inputs, point))), dtype=float)
    calls = []
    J = ref.jacobian_vector_mode(lambda z: calls.append(1) or fn(z), point)
    assert len(calls) == 1 and np.allclose(J, exact, rtol=1e-12, atol=1e-12)


def _sympy_derivative():
    """D(f, x0) = f'(x0) by SymPy, a fresh symbol per call: the exact value of a program of
    nested derivatives, with no dual numbers at all."""
    import itertools

    count = itertools.count()

    def D(f, x0):
        s = sympy.Symbol(f"s{next(count)}")
        return sympy.diff(sympy.sympify(f(s)), s).subs(s, x0)
    return D


def _nested_programs():
    from adcourse.functions import NESTED
    return NESTED


@pytest.mark.parametrize("program", _nested_programs(), ids=lambda p: p.name)
def test_tagged_derivatives_of_nested_programs_are_sympys(program):
    """Each catalogue program: the reference's derivative_tagged, SymPy's nested derivative
    and the program's stated derivative agree, at points of both signs."""
    X = sympy.Symbol("X")
    exact = sympy.expand(program(_sympy_derivative(), X))
    assert sympy.expand(sympy.sympify(program.df(X)) - exact) == 0, (program.name, exact)
    for x0 in (-1.7, -0.4, 0.3, 1.25, 2.0):
        assert np.isclose(program(ref.derivative_tagged, x0), float(exact.subs(X, x0)), rtol=1e-13, atol=1e-13)


def test_the_contract_examples_by_hand():
    D = ref.derivative_tagged
    assert D(lambda x: x * D(lambda y: x + y, 1.0), 1.0) == 1.0
    assert ref.derivative(lambda x: x * ref.derivative(lambda y: x + y, 1.0), 1.0) == 2.0  # untagged
    assert D(lambda x: x * D(lambda y: x * y, 3.0), 3.0) == 6.0  # d/dx x * x = 2x
    assert D(lambda x: D(lambda y: y * x, 2.0) * x, 3.0) == 6.0  # inner * outer
    assert D(lambda x: 5.0, 1.0) == 0.0 and D(lambda x: x - x, 1.0) == 0.0
    # (3 + d1)(2 + d2) = (6 + 2 d1) + (3 + d1) d2: tag 2 outside, tag 1 inside its parts
    p = ref.TaggedDual(3.0, 1.0, 1) * ref.TaggedDual(2.0, 1.0, 2)
    q = ref.TaggedDual(2.0, 1.0, 2) * ref.TaggedDual(3.0, 1.0, 1)
    for r in (p, q):
        assert r.tag == 2 and (r.value.value, r.value.tangent, r.value.tag) == (6.0, 2.0, 1)
        assert (r.tangent.value, r.tangent.tangent, r.tangent.tag) == (3.0, 1.0, 1)
    s = 1.0 - ref.TaggedDual(2.0, 1.0, 1) + ref.TaggedDual(4.0, 1.0, 2)  # 3 - d1 + d2
    assert s.tag == 2 and s.tangent == 1.0 and (s.value.value, s.value.tangent) == (3.0, -1.0)


@pytest.mark.parametrize("seed", range(12))
def test_random_polynomials_nested_in_both_orders_against_sympy(seed):
    """d/dx [p(x) * d/dy q(x, y) at y = c(x)] with random integer polynomials p, q and c,
    the operands of q's terms in both orders (x^i y^j and y^j x^i): against SymPy."""
    rng = np.random.default_rng(seed)
    p = rng.integers(-3, 4, size=3)
    q = rng.integers(-3, 4, size=(3, 3))
    c = rng.integers(-2, 3, size=2)
    flip = rng.integers(0, 2, size=(3, 3)).astype(bool)

    def power(base, k):
        out = 1.0
        for _ in range(k):
            out = out * base
        return out

    def q_of(x, y):
        total = 0.0
        for i in range(3):
            for j in range(3):
                term = (power(y, j) * power(x, i)) if flip[i, j] else (power(x, i) * power(y, j))
                total = total + float(q[i, j]) * term
        return total

    def program(D, x):
        return D(lambda u: sum((float(p[k]) * power(u, k) for k in range(3)), 0.0)
                 * D(lambda v: q_of(u, v), float(c[0]) + float(c[1]) * u), x)

    X = sympy.Symbol("X")
    exact = program(_sympy_derivative(), X)
    for x0 in (-1.3, 0.6, 1.9):
        assert np.isclose(program(ref.derivative_tagged, x0), float(exact.subs(X, x0)), rtol=1e-12, atol=1e-12)
