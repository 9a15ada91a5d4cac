"""The gradebook's journal table, made by graders that may start at the same time."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import ProgrammingError

from autograder.batch import gradebook
from autograder.batch.gradebook import JOURNAL
from autograder.course import scripts_on_path


def test_a_grader_that_loses_the_race_to_create_the_journal_goes_on(tmp_path, monkeypatch):
    """Another grader's CREATE TABLE got there first: this one's fails (PostgreSQL's
    DuplicateTable), the table is there, and grading goes on."""
    engine = create_engine(f"sqlite:///{tmp_path / 'gradebook.db'}")
    real_create = type(JOURNAL).create

    def lost_the_race(table, bind, checkfirst=False):
        real_create(table, bind, checkfirst=False)  # the other grader's, just before
        raise ProgrammingError("CREATE TABLE autograder_graded", {}, Exception("DuplicateTable"))

    monkeypatch.setattr(type(JOURNAL), "create", lost_the_race)
    scripts_on_path()  # nbgrader's gradebook runs its migrations (alembic) by name
    with gradebook.open_gradebook(str(engine.url), "course"):
        pass
    assert inspect(engine).has_table(JOURNAL.name)


def test_a_journal_that_cannot_be_made_is_an_error(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'gradebook.db'}")

    def refused(table, bind, checkfirst=False):
        raise ProgrammingError("CREATE TABLE autograder_graded", {}, Exception("permission denied"))

    monkeypatch.setattr(type(JOURNAL), "create", refused)
    with pytest.raises(ProgrammingError):
        gradebook._create_journal(engine)
