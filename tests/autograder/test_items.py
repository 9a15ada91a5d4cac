"""The item analysis of `autograder report` (autograder.items): each statistic against a
computation by hand (and the standard library's correlation), the flags at their
boundaries, what is left out. The mistakes named in feedback messages: test_mistakes.py;
the report's files and chapter page on a graded class, in tests/test_pipeline.py."""
from __future__ import annotations

import math
import statistics

import pytest


from autograder.items import (FEW_EACH, FEWEST, FLAGGED, HARD, POOR, analyse, item_status, left_out, pearson,
                              upper_lower)
from autograder.scores import StudentScores

NAMES = ["a", "b", "c"]
MAXIMUM = {"a": 2.0, "b": 3.0, "c": 1.0}
#: student -> scores of a, b, c (totals 6, 5, 4, 4, 2, 1, 1, 0)
CLASS = {"s1": (2, 3, 1), "s2": (2, 3, 0), "s3": (2, 1, 1), "s4": (0, 3, 1),
         "s5": (2, 0, 0), "s6": (0, 1, 0), "s7": (1, 0, 0), "s8": (0, 0, 0)}


def rows(scores=CLASS, names=NAMES, awaiting=()):
    return [StudentScores(s, None, dict(zip(names, map(float, v))),
                          needs_manual=[n for n in names if (s, n) in awaiting],
                          awaiting=[n for n in names if (s, n) in awaiting])
            for s, v in scores.items()]


def by_name(items):
    return {i.exercise: i for i in items}


def test_mean_and_difficulty_are_the_mean_score_and_the_share_of_full_marks():
    items = by_name(analyse(NAMES, MAXIMUM, rows()))
    assert items["a"].mean == pytest.approx(9 / 8)        # 2+2+2+0+2+0+1+0
    assert items["a"].difficulty == pytest.approx(4 / 8)  # s1, s2, s3, s5 (s7's 1 of 2 is not full)
    assert items["b"].difficulty == pytest.approx(3 / 8)
    assert items["c"].difficulty == pytest.approx(3 / 8)
    assert all(i.graded == 8 and i.awaiting == 0 for i in items.values())


def test_point_biserial_is_the_textbook_formula_on_the_rest_of_the_chapter():
    """r_pb = (M1 - M0) / s_n * sqrt(p q), with M1, M0 the mean rest score (total without
    the exercise) of those with and without full marks, s_n its population deviation."""
    items = by_name(analyse(NAMES, MAXIMUM, rows()))
    # a: rest = 4, 3, 2, 4, 0, 1, 0, 0; full marks s1, s2, s3, s5: M1 = 9/4, M0 = 5/4;
    # mean rest 14/8, sum of squared deviations 21.5
    assert items["a"].point_biserial == pytest.approx((9 / 4 - 5 / 4) / math.sqrt(21.5 / 8) * math.sqrt(0.5 * 0.5))
    # c: rest = 5, 5, 3, 3, 2, 1, 1, 0; full marks s1, s3, s4: M1 = 11/3, M0 = 9/5; variance 24/8
    assert items["c"].point_biserial == pytest.approx((11 / 3 - 9 / 5) / math.sqrt(3) * math.sqrt(3 / 8 * 5 / 8))


def test_item_rest_correlation_counts_partial_credit():
    """a's points 2, 2, 2, 0, 2, 0, 1, 0 against its rest 4, 3, 2, 4, 0, 1, 0, 0: sum of
    products 18, n * means 8 * 9/8 * 14/8 = 15.75; sums of squares 17 - 10.125 and 21.5."""
    items = by_name(analyse(NAMES, MAXIMUM, rows()))
    assert items["a"].item_rest == pytest.approx((18 - 15.75) / math.sqrt((17 - 10.125) * 21.5))
    # c is scored 0 or full: its item-rest correlation is its point-biserial
    assert items["c"].item_rest == pytest.approx(items["c"].point_biserial)
    for name in NAMES:  # and both agree with the standard library's Pearson correlation
        points = [v[NAMES.index(name)] for v in CLASS.values()]
        rest = [sum(v) - p for v, p in zip(CLASS.values(), points)]
        assert items[name].item_rest == pytest.approx(statistics.correlation(points, rest))


def test_upper_lower_index_uses_27_percent_by_the_rest_and_shares_ties():
    """27% of 8 is 2.16 students. a by its rest (4, 3, 2, 4, 0, 1, 0, 0): the upper group is
    s1, s4 (rest 4) and 0.16 of s2 (3): full marks 1 + 0 + 0.16; the lower group is s5, s7,
    s8 (rest 0), 0.72 each: full marks 0.72 (s5)."""
    items = by_name(analyse(NAMES, MAXIMUM, rows()))
    assert items["a"].upper_lower == pytest.approx(1.16 / 2.16 - 0.72 / 2.16)
    # c by its rest (5, 5, 3, 3, 2, 1, 1, 0): upper s1, s2 and 0.08 of each of s3, s4 (the
    # 0.16 left, shared; full: s1, s3, s4); lower s8, then s6 and s7 with 0.58 each (none full)
    assert items["c"].upper_lower == pytest.approx((1 + 0.08 + 0.08) / 2.16 - 0.0)


def test_the_upper_lower_index_does_not_depend_on_the_students_names():
    renamed = {f"z{9 - int(s[1:])}": v for s, v in CLASS.items()}
    assert [i.upper_lower for i in analyse(NAMES, MAXIMUM, rows(renamed))] == pytest.approx(
        [i.upper_lower for i in analyse(NAMES, MAXIMUM, rows())])
    assert upper_lower([1, 1, 1], [3, 2, 1]) is None, "full marks that do not vary say nothing"


def test_an_exercise_the_best_fail_and_the_worst_pass_is_flagged_as_negative():
    # 20 students: the first 10 score 3 on x and 0 on y; the others 0 on x and 1 on y
    scores = {f"s{i:02d}": (3, 0) if i < 10 else (0, 1) for i in range(20)}
    items = by_name(analyse(["x", "y"], {"x": 3.0, "y": 1.0}, rows(scores, ["x", "y"])))
    assert items["y"].item_rest == pytest.approx(-1.0) and items["y"].upper_lower == pytest.approx(-1.0)
    assert items["y"].flags == ["negative discrimination"]


def test_a_weak_positive_correlation_is_flagged_as_poor_a_strong_one_is_not():
    # x: full marks for the first 10 of 20; y tells little (0.1 more on average) and z much
    y = [6, 4, 6, 4, 6, 4, 6, 4, 6, 5] + [5] * 10
    z = [2] * 10 + [0] * 10
    scores = {f"s{i:02d}": (1 if i < 10 else 0, y[i], z[i]) for i in range(20)}
    items = by_name(analyse(["x", "y", "z"], {"x": 1.0, "y": 10.0, "z": 2.0}, rows(scores, ["x", "y", "z"])))
    x_rest = [y[i] + z[i] for i in range(20)]
    assert items["x"].item_rest == pytest.approx(statistics.correlation([float(i < 10) for i in range(20)], x_rest))
    assert items["x"].flags == []  # z makes the rest follow x
    scores = {s: (x, yy, 0) for s, (x, yy, _) in scores.items()}
    items = by_name(analyse(["x", "y", "z"], {"x": 1.0, "y": 10.0, "z": 2.0}, rows(scores, ["x", "y", "z"])))
    r = statistics.correlation([float(i < 10) for i in range(20)], [float(v) for v in y])
    assert items["x"].item_rest == pytest.approx(r) and 0 < r < POOR
    assert items["x"].flags == ["discriminates poorly"]


def test_discrimination_is_flagged_only_with_enough_students_on_each_side():
    scores = {f"s{i:02d}": (3, 0) if i < 10 else (0, 1) for i in range(FLAGGED - 1)}
    items = by_name(analyse(["x", "y"], {"x": 3.0, "y": 1.0}, rows(scores, ["x", "y"])))
    assert items["y"].item_rest == pytest.approx(-1.0) and items["y"].flags == [], "19 students"
    # 20 students, but only 4 without full marks on y
    scores = {f"s{i:02d}": (3, 0) if i < FEW_EACH - 1 else (0, 1) for i in range(FLAGGED)}
    items = by_name(analyse(["x", "y"], {"x": 3.0, "y": 1.0}, rows(scores, ["x", "y"])))
    assert items["y"].item_rest == pytest.approx(-1.0) and items["y"].flags == []


def test_few_full_marks_are_flagged_below_15_percent_not_at_it():
    for full, flagged in ((3, False), (2, True)):  # of 20: 15% and 10%
        scores = {f"s{i:02d}": (1 if i < full else 0,) for i in range(20)}
        item = analyse(["x"], {"x": 1.0}, rows(scores, ["x"]))[0]
        assert item.difficulty == pytest.approx(full / 20)
        assert (item.flags == [f"fewer than {HARD:.0%} get full marks"]) is flagged


def test_no_submissions_no_statistics_and_few_submissions_no_discrimination():
    empty = analyse(NAMES, MAXIMUM, [])
    assert all(i.graded == 0 and i.mean is None and i.flags == [] for i in empty)
    few = dict(list(CLASS.items())[:FEWEST - 1])
    items = analyse(NAMES, MAXIMUM, rows(few))
    assert all(i.point_biserial is None and i.upper_lower is None and i.flags == [] for i in items)
    assert items[0].difficulty == pytest.approx(3 / 4)
    exactly = analyse(NAMES, MAXIMUM, rows(dict(list(CLASS.items())[:FEWEST])))
    assert exactly[0].item_rest is not None


def test_an_exercise_still_being_graded_has_no_statistics_and_is_no_part_of_the_rest():
    awaiting = {("s1", "c"), ("s2", "c")}
    items = by_name(analyse(NAMES, MAXIMUM, rows(awaiting=awaiting)))
    assert items["c"].graded == 6 and items["c"].awaiting == 2
    assert items["c"].difficulty is None and items["c"].flags == []
    # a's rest is b alone (3, 3, 1, 3, 0, 1, 0, 0)
    b = [v[1] for v in CLASS.values()]
    assert items["a"].item_rest == pytest.approx(statistics.correlation([v[0] for v in CLASS.values()], b))
    # a score entered by hand (a grader should look again, but the score is there) counts
    looked_at = [StudentScores(r.student, None, r.scores, needs_manual=["c"]) for r in rows()]
    assert by_name(analyse(NAMES, MAXIMUM, looked_at))["c"].difficulty == pytest.approx(3 / 8)


def test_an_exercise_of_no_points_has_no_statistics():
    items = by_name(analyse(["a", "free"], {"a": 2.0, "free": 0.0},
                            rows({s: (v[0], 0) for s, v in CLASS.items()}, ["a", "free"])))
    assert items["free"].difficulty is None and item_status(items["free"]) == "no points"


def test_submissions_not_graded_or_without_an_answer_are_left_out():
    unanswered = {"a": ["not answered yet"], "b": ["not answered yet"]}
    named = {"s8": unanswered, "s7": {"a": ["the sign is flipped"], "b": ["not answered yet"]}}
    scores = dict(CLASS, s9=(0, 0, 0))
    reasons = left_out(rows(scores), {**named, "s9": {"a": ["x"]}}, {"s9"})
    # s8 scores 0 and answers nothing; s7 has a point (and tried); s9 was not graded
    assert reasons == {"s8": "no answer", "s9": "not graded"}
    items = by_name(analyse(NAMES, MAXIMUM, rows(scores), named, set(reasons)))
    assert items["a"].graded == 7 and items["a"].difficulty == pytest.approx(4 / 7)
    assert items["a"].mistakes == [("the sign is flipped", ["s7"])]


def test_pearson_of_a_constant_is_undefined():
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert pearson([0, 1, 0, 1], [1, 3, 1, 3]) == pytest.approx(1.0)


def test_mistakes_are_counted_once_per_student_and_exercise_and_not_for_full_marks():
    named = {"s6": {"a": ["the sign is flipped"]}, "s8": {"a": ["the sign is flipped", "x"]},
             "s4": {"a": ["the sign is flipped"]}, "s1": {"a": ["the sign is flipped"]}}
    items = by_name(analyse(NAMES, MAXIMUM, rows(), named))
    # s1 has full marks on a: a stale message of a regraded answer does not count
    assert items["a"].mistakes == [("the sign is flipped", ["s4", "s6", "s8"]), ("x", ["s8"])]
