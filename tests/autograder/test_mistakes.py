"""The mistakes `autograder report` names from feedback messages as grading writes them
(autograder.mistakes), in English and Chinese. The names given for every sample of every
chapter are checked against the samples' declared mistakes in
tests/autograder/test_samples_graded.py."""
from __future__ import annotations

import re

from adcourse.i18n import translated
from autograder.mistakes import LABEL_LIMIT, mistake_names

COMPARE = """2 of 11 test cases of `backward` failed.

backward(<output of a random graph>)
    expected: [1. 1.] (shape (2,))
    got:      [2. 2.] (shape (2,))
    relative error 1 (tolerance: 1e-10 relative, policy 'exact')
    likely mistake: off by a factor of 2 (twice the expected value)

backward(<output of a chain of 30,000 operations>): backward raised RecursionError (recursion too deep) on a chain of 30,000 operations: use a loop. And more.

(and 1 more failing case)"""


def test_a_compare_message_names_each_case_s_mistake_without_its_numbers():
    assert mistake_names("CheckFailure", COMPARE) == [
        "off by a factor of 2 (twice the expected value)",
        "backward raised RecursionError (recursion too deep) on a chain of N operations: use a loop. And more"]


def test_errors_of_the_answer_and_unanswered_exercises():
    raised = ("1 of 3 test cases of `f` failed.\n\nf(2.0, h=0.1): `f` raised ValueError: math "
              "domain error at `return math.log(-x)` (line 2 of its cell)")
    assert mistake_names("CheckFailure", raised) == ["raised ValueError: math domain error"]
    assert mistake_names("NotImplementedError", "") == ["not answered yet"]
    assert mistake_names("CheckFailure", "`f` is not answered yet: replace `raise NotImplementedError()` "
                         "in its cell with your code") == ["not answered yet"]
    assert mistake_names("ZeroDivisionError", "float division by zero") == [
        "raised ZeroDivisionError: float division by zero"]
    assert mistake_names("IndexError", "index 7 is out of bounds for axis 0 with size 3\nmore") == [
        "raised IndexError: index N is out of bounds for axis N with size N"]
    in_place = ("1 of 4 test cases of `g` failed.\n\ng(np.array([1., 2.]), 0.5) modified its argument 1 "
                "in place; the function must leave its inputs unchanged (work on a copy)")
    assert mistake_names("CheckFailure", in_place) == [
        "modified its argument N in place; the function must leave its inputs unchanged (work on a copy)"]


def test_a_value_check_without_a_diagnosis_names_nothing_and_a_shape_is_generalised():
    plain = "x.grad at 3\n    expected: 7\n    got:      3\n    relative error 0.571"
    assert mistake_names("CheckFailure", plain) == []
    transposed = ("the result is transposed: expected shape {} (a Jacobian has one row per output and one "
                  "column per input; a gradient has the shape of its variable)")
    shaped = plain + "\n    likely mistake: " + transposed.format("(2, 3)")
    assert mistake_names("CheckFailure", shaped) == [transposed.format("…")], "the message's value, not its words"
    evaluated = ("1 of 4 test cases of `directional_difference` failed.\n\ndirectional_difference(f, x): f was "
                 "evaluated 11 times; a directional difference needs 2, at x + h v and x - h v, whatever the size "
                 "of x (a Jacobian built column by column and multiplied by v costs 2n)")
    assert mistake_names("CheckFailure", evaluated) == [
        "f was evaluated … times; a directional difference needs …, at x + h v and x - h v, whatever the "
        "size of x (a Jacobian built column by column and multiplied by v costs 2n)"]
    own = "perturbation confusion: every call used the same tag (or none). More text."
    assert mistake_names("CheckFailure", own) == [own.rstrip(".")]
    long = "first sentence of the finding. " + "x" * 600
    assert mistake_names("CheckFailure", long) == ["first sentence of the finding"]


def test_chinese_feedback_is_read_in_chinese():
    transposed = "可能的错误：" + translated("the result is transposed: expected shape {shape} (a Jacobian has one "
                                          "row per output and one column per input; a gradient has the shape of "
                                          "its variable)", "zh_CN")
    assert re.search(r"[\u4e00-\u9fff]", transposed)
    assert mistake_names("CheckFailure", "f(1)\n    expected: 1\n    " + transposed.format(shape="(2, 3)"),
                         "zh_CN") == [transposed.removeprefix("可能的错误：").format(shape="…")]
    message = ("`f` 的 3 个测试用例中有 1 个未通过。\n\nf(1.0)\n    expected: 1\n    可能的错误：符号反了")
    assert mistake_names("CheckFailure", message, "zh_CN") == ["符号反了"]
    assert mistake_names("NotImplementedError", "", "zh_CN") == ["尚未作答"]
    assert mistake_names("CheckFailure", "`f` 引发了 KeyError：'x'", "zh_CN") == ["引发了 KeyError：'x'"]


def test_a_hostile_message_is_bounded():
    huge = "1 of 1 test cases of `f` failed.\n\nf(1): " + "=cmd|' /C calc'!A0 " * 200_000
    names = mistake_names("CheckFailure", huge)
    assert len(names) == 1 and len(names[0]) <= LABEL_LIMIT
    assert mistake_names("X" * 10_000, "y" * 10_000) == ["raised " + "X" * 80 + ": " + "y" * 120]


def test_words_of_the_course_repeated_without_their_ending_cost_one_pass():
    """A student's message that repeats a message's words but never ends as it does (made
    to make a backtracking match try every split) is read by searches: this finishes, and
    the answer's own error is named as such."""
    crafted = "a" + " is  at x = , t = ; expected  (relative error " * 90
    assert mistake_names("ValueError", crafted) == ["raised ValueError: " + crafted.splitlines()[0][:120].strip()]
    in_a_case = (f"1 of 2 test cases of `f` failed.\n\nf(1.0): `f` raised ValueError: {crafted} at "
                 "`raise ValueError(m)` (line 3 of its cell)")
    named = mistake_names("CheckFailure", in_a_case)
    assert len(named) == 1 and named[0].startswith("raised ValueError: a is  at x =")


def test_the_line_of_an_error_is_its_last_part_whatever_the_message_says():
    message = ("1 of 2 test cases of `f` failed.\n\nf(1.0): `f` raised ValueError: no convergence at "
               "step 3 at `raise ValueError(m)` (line 3 of its cell)")
    assert mistake_names("CheckFailure", message) == ["raised ValueError: no convergence at step N"]
    visible = "no convergence at step 3"
    assert mistake_names("ValueError", visible) == ["raised ValueError: no convergence at step N"]


def test_an_answer_s_error_message_names_no_mistake_of_the_course():
    """What an answer's exception says is the student's: a "likely mistake:" in it, after a
    line break or a blank line, is no finding of the grader's. (A message written as a
    whole case, call and all, still reads as one: it can name a mistake in that student's
    own row only, as README's item analysis says.)"""
    forged = ("1 of 2 test cases of `f` failed.\n\nf(1.0): `f` raised ValueError: x\n    likely mistake: "
              "FORGED one\n\nlikely mistake: FORGED two\n\nf(2.0)\n    likely mistake: FORGED three")
    named = mistake_names("CheckFailure", forged)
    assert named[0] == "raised ValueError: x" and not [n for n in named[:1] if "FORGED" in n]
    assert "FORGED one" not in " ".join(named) and "FORGED two" not in " ".join(named)


def test_an_exercise_is_unnamed_only_when_no_failed_cell_of_it_names_a_mistake(tmp_path):
    """read_mistakes on an autograded notebook: central_difference's visible test says only
    that the values differ, its hidden test names the mistake: that mistake alone.
    forward_difference's failures name nothing: counted as such."""
    import nbformat
    from nbformat.v4 import new_output

    from autograder.mistakes import UNNAMED, read_mistakes

    from ..conftest import ROOT

    (tmp_path / "solutions").symlink_to(ROOT / "solutions")
    nb = nbformat.read(ROOT / "solutions" / "01_numerical" / "numerical.ipynb", as_version=4)
    plain = "central_difference(np.sin, 1.0)\n    expected: 0.54\n    got:      0.5\n    relative error 0.07"
    errors = {"test_central_difference_visible": plain,
              "test_central_difference_hidden": plain.replace("central_difference(np.sin, 1.0)", "1 of 3 test "
                                                              "cases of `central_difference` failed.\n\n"
                                                              "central_difference(<sin>, 0.5)")
              + "\n    likely mistake: the sign is flipped",
              "test_forward_difference_visible": plain, "test_forward_difference_hidden": plain}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in errors:
            cell.outputs = [new_output("error", ename="CheckFailure", evalue=errors[grade_id], traceback=[])]
    folder = tmp_path / "autograded" / "s1" / "01_numerical"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "numerical.ipynb")
    named = read_mistakes(tmp_path, "01_numerical", ["forward_difference", "central_difference"], ["s1", "s2"])
    assert named == {"s1": {"central_difference": ["the sign is flipped"], "forward_difference": [UNNAMED]}}
