"""The expression classes: building, printing, evaluating, and crossing the wire as data."""
from __future__ import annotations

import math

import numpy as np
import pytest

from adcourse import expressions as E
from adcourse import wire
from adcourse.expressions import Const, Var, cos, exp, log, sin, variables

x, y = variables("x y")


def test_operators_build_nodes_and_numbers_become_constants():
    e = 2 * x + sin(y) ** 3 - 1 / x
    assert isinstance(e, E.Sub) and isinstance(e.left, E.Add) and isinstance(e.right, E.Div)
    assert e.left.left == E.Mul(Const(2), x)
    assert -x == E.Neg(x) and x ** 2 == E.Pow(x, Const(2.0))


def test_equality_is_structural():
    assert x + 1 == x + 1 and hash(x + 1) == hash(x + 1)
    assert x + 1 != 1 + x
    assert Const(2) == Const(2.0) and Var("x") == x and x != y


def test_printing_is_infix_with_the_parentheses_needed():
    cases = [x * sin(x) + 1, (x + 1) * (y - 2), x - (y - 1), x / (y * 2), -(x + y), (-x) ** 2,
             -x ** 2, 2 ** (x ** y), (x ** y) ** 2, exp(-x / 2) * log(x), x - -2 * y, 1 / (x / y)]
    env = {"x": 1.3, "y": 0.7}
    for e in cases:
        text = str(e)
        value = eval(text, {"sin": math.sin, "cos": math.cos, "exp": math.exp, "log": math.log}, env)
        assert math.isclose(value, e.evaluate(env), rel_tol=1e-12), text
    assert str(x * sin(x) + 1) == "x * sin(x) + 1"
    assert str(x - (y - 1)) == "x - (y - 1)"


def test_evaluate_works_elementwise_and_names_missing_variables():
    points = np.array([0.5, 1.0, 2.0])
    assert np.allclose((x * cos(x)).evaluate(x=points), points * np.cos(points))
    with pytest.raises(KeyError, match="'y'"):
        (x + y).evaluate(x=1.0)


def test_expressions_are_immutable_and_constants_finite():
    with pytest.raises(AttributeError, match="immutable"):
        x.name = "z"
    with pytest.raises(ValueError):
        Const(float("nan"))
    with pytest.raises(ValueError):
        Var("not a name")
    with pytest.raises(TypeError):
        x + "1"


def test_shared_nodes_are_visited_once():
    l = x
    for _ in range(60):  # a tree of about 2**60 nodes, held in 180 distinct ones
        l = 4 * l * (1 - l)
    assert E.distinct_nodes(l) == 1 + 3 * 60 + 2 * 60
    assert E.tree_size(l) > 2**60
    assert np.isfinite(l.evaluate(x=0.3))


def roundtrip(value):
    return wire.decode(wire.loads(wire.dumps(wire.encode(value, lambda v: {"$h": 1}))), lambda t: t)


def test_expressions_cross_the_wire_with_their_sharing():
    u = sin(x) * y
    e = u * u + exp(u) / Const(2.5) - log(x) ** x
    back = roundtrip((e, [x, Const(-3.0)]))
    assert back[0] == e and back[1] == [x, Const(-3.0)]
    assert E.distinct_nodes(back[0]) == E.distinct_nodes(e)
    l = x
    for _ in range(200):
        l = 4 * l * (1 - l)
    assert roundtrip(l) == l


@pytest.mark.parametrize("data, words", [
    ([], "non-empty"),
    ([["var", "x"], ["+", 0, 1]], "earlier node"),
    ([["const", 1.0], ["exec", 0]], "unknown operation"),
    ([["const", "1"]], "one number"),
    ([["var", "x" * 200]], "short name"),
    ([["var", "os.system"]], "identifier"),
    ([["const", 1.0], ["sin", 0, 0]], "earlier node"),
    ("x", "non-empty list"),
])
def test_malformed_expressions_are_refused(data, words):
    with pytest.raises(wire.WireError, match="malformed expression"):
        wire.decode({"$ex": data}, lambda t: t)
    with pytest.raises((ValueError, TypeError), match=words):
        E.from_data(data)


def test_an_expression_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(E, "MAX_NODES", 10)
    with pytest.raises(wire.WireError, match="more than 10"):
        wire.decode({"$ex": [["var", "x"]] * 11}, lambda t: t)
