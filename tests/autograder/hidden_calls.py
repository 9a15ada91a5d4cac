"""Calling a chapter's hidden tests directly, as its test cells call them: on given answers,
the reference standing in for the rest, and on the answers of a sample submission."""
from __future__ import annotations

import inspect

import pytest

from autograder.checking import CheckFailure
from autograder.samples import parse_sample
from autograder.sync import hidden_tests, reference_module

from ..conftest import ROOT


def run(chapter: str, grade_id: str, answers: dict | None = None) -> None:
    """The hidden test `grade_id` of `chapter`, given `answers` (name -> object) for the
    names it takes, and the reference for the others."""
    answers = answers or {}
    test = hidden_tests(chapter)[grade_id]
    reference = reference_module(chapter)
    return test(*(answers[name] if name in answers else getattr(reference, name)
                  for name in inspect.signature(test).parameters))


def failure(chapter: str, name: str, answer) -> str:
    """The message with which `answer` fails the hidden test of exercise `name`."""
    with pytest.raises(CheckFailure) as failed:
        run(chapter, f"test_{name}_hidden", {name: answer})
    return str(failed.value)


def sample(chapter: str, student: str, namespace: dict) -> dict:
    """The names a sample's answers define, run in `namespace` (the notebook's imports and
    the reference's answers, standing in for those the sample leaves as they are)."""
    for source in parse_sample(ROOT / "samples" / chapter / f"{student}.py").answers.values():
        exec(source, namespace)
    return namespace
