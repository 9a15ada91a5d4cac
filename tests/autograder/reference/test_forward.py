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
