"""Item analysis of a chapter: how each exercise worked.

Per exercise, from the scores of the gradebook (autograder.scores.read_scores):

- the mean score, and the *difficulty index*: the share of submissions with full marks
  (higher: easier);
- the *point-biserial* correlation between full marks on the exercise (1 or 0) and the
  score on the rest of the chapter (the total without this exercise, so that an
  exercise does not correlate with itself), and the *item-rest* correlation, of the
  exercise's score with the same (partial credit counted; for an exercise scored 0 or
  full it is the point-biserial);
- the *upper-lower index*: the share of full marks among the best 27% of the class (by
  the rest of the chapter) minus that among the worst 27% (Kelley's groups);
- flags: an exercise few get full marks on, or whose score says little about the rest of
  the chapter (a low or negative item-rest correlation: a test that rejects right
  answers, or an exercise that asks for something the chapter does not teach).

Submissions that could not be graded, or that answer nothing, are left out of the
statistics (`left_out`); so is, for now, every exercise a grader has still to score.

With each exercise come the mistakes the grading named (autograder.mistakes), with the
students who made each, counted once per student and exercise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from adcourse.i18n import translated

from .mistakes import NOT_ANSWERED
from .scores import StudentScores

#: Kelley's share of the class in each of the upper and lower groups.
GROUP_SHARE = 0.27
#: Below this difficulty index (share of full marks) an exercise is flagged.
HARD = 0.15
#: Below this item-rest correlation an exercise discriminates poorly (Ebel's scale for the
#: upper-lower index, 0.4 and above very good, 0.3 good, 0.2 marginal, below 0.2 poor, as it
#: is commonly applied to item-rest correlations too).
POOR = 0.2
#: With fewer graded submissions no correlation or index is computed, and with fewer than
#: FLAGGED, or fewer than FEW_EACH students with full marks or without, no exercise is flagged
#: for its discrimination: a correlation of 20 students moves by about ±0.4 from class to class
#: (the 95% interval of r = 0.2 is [-0.27, 0.59] for n = 20, [0.09, 0.31] for n = 300).
FEWEST, FLAGGED, FEW_EACH = 5, 20, 5


@dataclass
class Item:
    exercise: str
    max_points: float
    graded: int                       # submissions with a score for the exercise
    awaiting: int = 0                 # submissions whose answer is still to be graded by hand
    mean: float | None = None
    difficulty: float | None = None   # difficulty index: the share of full marks (higher: easier)
    point_biserial: float | None = None  # full marks (1 or 0) against the rest of the chapter
    item_rest: float | None = None    # the score against the rest (the same for a 0-or-full exercise)
    upper_lower: float | None = None
    mistakes: list[tuple[str, list[str]]] = field(default_factory=list)  # name, its students
    flags: list[str] = field(default_factory=list)


# --- the statistics ------------------------------------------------------------------------
def pearson(x: list[float], y: list[float]) -> float | None:
    """The correlation of x and y, or None when either does not vary."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def upper_lower(full: list[float], criterion: list[float], share: float = GROUP_SHARE) -> float | None:
    """Kelley's index: the share of full marks in the best `share` of the class by
    `criterion` minus that in the worst, or None when full marks do not vary. Each group
    holds exactly share * n students; students tied at a group's boundary count with
    equal fractions of its last places, so the index does not depend on who is listed first."""
    if len(set(full)) < 2:
        return None

    def weights(best_first: bool) -> list[float]:
        w, left = [0.0] * len(full), share * len(full)
        for value in sorted(set(criterion), reverse=best_first):
            tied = [i for i, c in enumerate(criterion) if c == value]
            take = min(left, len(tied))
            for i in tied:
                w[i] = take / len(tied)
            left -= take
            if left <= 0:
                break
        return w

    def share_full(w: list[float]) -> float:
        return sum(a * b for a, b in zip(w, full)) / sum(w)
    return share_full(weights(True)) - share_full(weights(False))


def analyse(names: list[str], maximum: dict[str, float], rows: list[StudentScores],
            mistakes: dict[str, dict[str, list[str]]] | None = None,
            left_out: frozenset[str] | set[str] = frozenset()) -> list[Item]:
    """One `Item` per exercise; `mistakes` is student -> exercise -> the names of its
    mistakes. The submissions of `left_out` (that could not be graded, or hold no answer:
    their zeros say nothing about the exercises) are not counted.

    An exercise for which a submission awaits a grader (a written answer) has no statistics
    yet, and is no part of the rest of the chapter for the others: its missing grades would
    count as zeros."""
    mistakes = mistakes or {}
    rows = [r for r in rows if r.student not in left_out]
    pending = {n for r in rows for n in r.awaiting}
    items = []
    for name in names:
        top = maximum[name]
        scored = [r for r in rows if name not in r.awaiting]
        item = Item(name, top, len(scored), awaiting=len(rows) - len(scored))
        items.append(item)
        if not scored or top <= 0 or name in pending:
            continue
        points = [r.scores[name] for r in scored]
        full = [1.0 if p >= top else 0.0 for p in points]
        item.mean = sum(points) / len(scored)
        item.difficulty = sum(full) / len(scored)
        if len(scored) >= FEWEST:
            rest = [sum(r.scores[n] for n in names if n != name and n not in pending) for r in scored]
            item.point_biserial = pearson(full, rest)
            item.item_rest = pearson(points, rest)
            item.upper_lower = upper_lower(full, rest)
        counted: dict[str, list[str]] = {}
        for row, p in zip(scored, points):
            if p >= top:
                continue
            for label in mistakes.get(row.student, {}).get(name, ()):
                counted.setdefault(label, []).append(row.student)
        item.mistakes = sorted(counted.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        item.flags = flags(item)
    return items


def flags(item: Item) -> list[str]:
    """What an instructor should look at: an exercise few get full marks on, or one whose
    score says little about the rest of the chapter (item-rest correlation), where enough
    students are on each side of full marks for the correlation to mean something."""
    found = []
    if item.graded < FEWEST or item.difficulty is None:
        return found
    if item.difficulty < HARD:
        found.append(f"fewer than {HARD:.0%} get full marks")
    full = round(item.difficulty * item.graded)
    if (item.item_rest is not None and item.item_rest < POOR and item.graded >= FLAGGED
            and min(full, item.graded - full) >= FEW_EACH):
        found.append("discriminates poorly" if item.item_rest >= 0 else "negative discrimination")
    return found


def item_status(item: Item) -> str | None:
    """Why an exercise has no statistics, or None."""
    if item.max_points <= 0:
        return "no points"
    if item.awaiting:
        return f"awaiting manual grading ({item.awaiting} of {item.awaiting + item.graded})"
    return None if item.graded else "no submissions"


def left_out(rows: list[StudentScores], named: dict[str, dict[str, list[str]]],
             not_graded: set[str], language: str = "en") -> dict[str, str]:
    """student -> why the statistics leave the submission out: it could not be graded, or
    it scores nothing and answers nothing (every exercise it fails is not answered)."""
    unanswered = translated(NOT_ANSWERED, language)
    found = {}
    for row in rows:
        if row.student in not_graded:
            found[row.student] = "not graded"
        elif row.total == 0 and all(m == [unanswered] for m in named.get(row.student, {}).values()):
            found[row.student] = "no answer"
    return found
