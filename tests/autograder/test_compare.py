"""The checking API and chapter 01's hidden tests: what they pass, what they fail, and what
they say. (tests/autograder/test_compare_hidden.py runs every hidden test on the
reference and on every listed mistake.)"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from adcourse.functions import SCALAR
from autograder.cases import numerical as cases
from autograder.checking import Case, CheckFailure, compare
from autograder.hidden import numerical as hidden
from autograder.reference import numerical as ref


def test_a_transposed_jacobian_is_named():
    with pytest.raises(CheckFailure, match="transposed"):
        hidden.test_numerical_jacobian_hidden(lambda f, x, h=1e-5: ref.numerical_jacobian(f, x, h).T)


def test_a_factor_of_two_is_named():
    with pytest.raises(CheckFailure, match="factor of 2"):
        hidden.test_central_difference_hidden(lambda f, x, h=1e-5: 2 * ref.central_difference(f, x, h))


def test_a_flipped_sign_is_named():
    with pytest.raises(CheckFailure, match="sign is flipped"):
        hidden.test_complex_step_hidden(lambda f, x, h=1e-20: -ref.complex_step(f, x, h))


def test_a_wrongly_shaped_gradient_is_named():
    with pytest.raises(CheckFailure, match="shape"):
        hidden.test_numerical_gradient_hidden(lambda f, x, h=1e-5: ref.numerical_gradient(f, x, h).ravel())


def test_a_function_that_modifies_its_input_fails_even_with_right_values():
    def in_place(f, x, h=1e-5):
        result = ref.numerical_gradient(f, x, h)
        if isinstance(x, np.ndarray) and x.size:
            x.flat[0] += 1.0
        return result

    with pytest.raises(CheckFailure, match="modified its argument 2"):
        hidden.test_numerical_gradient_hidden(in_place)


def test_restoring_an_input_up_to_the_last_bits_is_not_a_modification():
    def plus_minus(f, x, h=1e-5):
        x = np.asarray(x)
        grad = np.zeros(x.shape)
        for i in np.ndindex(x.shape):
            x[i] += h
            up = f(x)
            x[i] -= 2 * h
            down = f(x)
            x[i] += h
            grad[i] = (up - down) / (2 * h)
        return grad

    assert hidden.test_numerical_gradient_hidden(plus_minus) is None


def test_an_unanswered_exercise_says_so_in_one_line():
    def stub(f, x, h=1e-5):
        raise NotImplementedError()

    with pytest.raises(CheckFailure) as failure:
        hidden.test_central_difference_hidden(stub)
    assert str(failure.value).startswith("`central_difference` is not answered yet")
    assert "\n" not in str(failure.value)


def test_a_crash_reports_the_input_and_the_exception():
    with pytest.raises(CheckFailure, match=r"raised ZeroDivisionError: .*at `return 1 / 0`"):
        def broken(f, x, h=1e-5):
            return 1 / 0
        hidden.test_central_difference_hidden(broken)


def test_none_is_diagnosed_as_a_missing_return():
    with pytest.raises(CheckFailure, match="return"):
        hidden.test_central_difference_hidden(lambda f, x, h=1e-5: None)


def test_correct_answers_written_differently_pass():
    alternatives = {
        "central_difference": lambda f, x, h=1e-5: 0.5 * (f(x + h) - f(x - h)) / h,
        "richardson": lambda f, x, h=1e-3: ref.central_difference(f, x, h / 2) + (
            ref.central_difference(f, x, h / 2) - ref.central_difference(f, x, h)) / 3,
        "numerical_jacobian": lambda f, x, h=1e-5: np.column_stack(
            [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))]),
        "relative_error": lambda a, b, floor=1e-8: float(np.max(
            np.abs(np.subtract(a, b)) / np.fmax(np.fmax(np.abs(a), np.abs(b)), floor))),
    }
    for name, student in alternatives.items():
        assert getattr(hidden, f"test_{name}_hidden")(student) is None, name


def test_isolate_charges_a_helper_mistake_to_the_helper_only():
    namespace = {"np": np}
    exec("def central_difference(f, x, h=1e-5):\n    return (f(x + h) - f(x)) / h\n\n"
         "def richardson(f, x, h=1e-3):\n"
         "    return (4 * central_difference(f, x, h / 2) - central_difference(f, x, h)) / 3\n",
         namespace)
    with pytest.raises(CheckFailure):
        compare(namespace["richardson"], "numerical.richardson", cases.derivative_cases(1),
                policy="finite_difference")
    compare(namespace["richardson"], "numerical.richardson", cases.derivative_cases(1),
            policy="finite_difference", isolate=("central_difference",))
    # the student's own namespace is left as it was
    assert namespace["central_difference"](np.sin, 1.0, 0.1) != ref.central_difference(np.sin, 1.0, 0.1)


def test_warnings_from_student_code_do_not_fail_a_right_answer():
    def noisy(f, x, h=1e-5):
        warnings.warn("debug")
        return ref.central_difference(f, x, h)

    with pytest.warns(UserWarning, match="debug"):
        assert hidden.test_central_difference_hidden(noisy) is None


def test_messages_give_input_expected_got_and_relative_error():
    with pytest.raises(CheckFailure) as failure:
        hidden.test_central_difference_hidden(ref.forward_difference)
    text = str(failure.value)
    for part in ("central_difference(", "expected:", "got:", "relative error", "tolerance",
                 "likely mistake: a one-sided difference"):
        assert part in text
    assert "numerical.py" not in text and "def " not in text


def test_cases_are_seeded_and_cover_shapes_and_step_styles():
    first, again = cases.derivative_cases(7), cases.derivative_cases(7)
    assert [c.show("f") for c in first] == [c.show("f") for c in again]
    assert cases.derivative_cases(8)[0].show("f") != first[0].show("f")
    shapes = {np.shape(c.args[1]) for c in first}
    assert {(), (5,), (2, 3, 2)} <= shapes
    assert any(isinstance(c.args[1], np.ndarray) and c.args[1].ndim == 0 for c in first)
    assert any("h" in c.kwargs for c in first) and any(len(c.args) == 3 for c in first)
    assert any(len(c.args) == 2 and not c.kwargs for c in first)
    assert {fn.name for fn in SCALAR} == {c.args[0].name for c in first}


def test_compare_rejects_something_that_is_not_a_function():
    with pytest.raises(CheckFailure, match="expected a function"):
        compare(3.0, "numerical.central_difference", [Case((np.sin, 1.0))])


def test_a_call_past_its_time_limit_fails_and_says_so():
    def never_finishes(f, x, h=1e-5):
        while True:
            pass

    # Without the limit the call would never return: that it fails, saying so, is the check.
    with pytest.raises(CheckFailure, match="did not finish within 0.2 s"):
        compare(never_finishes, "numerical.central_difference", cases.derivative_cases(5)[:2],
                policy="finite_difference", seconds=0.2)


def test_a_time_limit_swallowed_by_except_exception_still_stops_the_call():
    from adcourse.remote import limited

    def stubborn():
        while True:
            try:
                time.sleep(1)
            except Exception:  # a student's broad except does not catch the limit
                pass

    import time
    with pytest.raises(BaseException, match="did not finish within 0.1 s"):
        limited(stubborn, 0.1)()
