"""Every hidden test of every chapter (autograder/hidden/), called as its test cell calls it:
the reference passes it, and every typical mistake a chapter lists fails the hidden tests
that take its exercise, with a message that names it."""
from __future__ import annotations

import importlib
import inspect

import pytest

from autograder.checking import CheckFailure
from autograder.course import chapters
from autograder.sync import hidden_tests

from ..conftest import ROOT
from .hidden_calls import run

CHAPTERS = chapters(ROOT)
HIDDEN = [(chapter, grade_id) for chapter in CHAPTERS for grade_id in hidden_tests(chapter)]
MISTAKEN = [(chapter, exercise, mistake) for chapter in CHAPTERS
            for exercise, mistakes in importlib.import_module(
                f"autograder.cases.{chapter.split('_', 1)[1]}").MISTAKES.items()
            for mistake in mistakes]


def taking(chapter: str, exercise: str) -> list[str]:
    """The grade_ids of the chapter's hidden tests that take `exercise`."""
    return [grade_id for grade_id, test in hidden_tests(chapter).items()
            if exercise in inspect.signature(test).parameters]


@pytest.mark.parametrize("chapter, grade_id", HIDDEN, ids=[f"{c}-{g}" for c, g in HIDDEN])
def test_the_reference_passes_every_hidden_test(chapter, grade_id):
    assert run(chapter, grade_id) is None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0/0 and overflows are some mistakes' very point
@pytest.mark.parametrize("chapter, exercise, mistake", MISTAKEN,
                         ids=[f"{c}-{e}-{m.description[:40]}" for c, e, m in MISTAKEN])
def test_every_listed_mistake_fails_a_hidden_test_and_is_named(chapter, exercise, mistake):
    grade_ids = taking(chapter, exercise)
    assert grade_ids, f"no hidden test of {chapter} takes {exercise}"
    failures = {}
    for grade_id in grade_ids:
        try:
            run(chapter, grade_id, {exercise: mistake.fn})
        except CheckFailure as failure:
            failures[grade_id] = str(failure)
    assert failures, f"the mistake passes {grade_ids}"
    named = mistake.said()
    for grade_id, message in failures.items():
        assert named in message, f"{grade_id} does not name the mistake: {message[:500]}"
