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
