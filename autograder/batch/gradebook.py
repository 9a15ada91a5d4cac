"""The gradebook: nbgrader's database, written by the grading command only.

Workers never touch it. They grade each submission against a *snapshot*, a
private SQLite gradebook holding just the chapter (its notebooks and cells, no
student), and send back what nbgrader wrote there. `record` then puts one
submission's result into the course's gradebook in one transaction, with a row of
the journal table `autograder_graded` saying which version of the submission it
grades (`fingerprint`). So a result is written exactly once, a batch that was
killed is resumed where it stopped, and any SQLAlchemy URL nbgrader accepts works,
SQLite (the default) or PostgreSQL for a course with several graders
(`c.CourseDirectory.db_url` in nbgrader_config.py).
"""
from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import (Column, DateTime, Float, MetaData, String, Table, Text, and_, delete,
                        insert, select)

JOURNAL = Table(
    "autograder_graded", MetaData(),
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Text, nullable=False),     # "graded", "stopped: ...", "not graded: ..."
    Column("seconds", Float),
    Column("worker", String(256)),
    Column("graded_at", DateTime, nullable=False),
)


def _course_directory(root: Path) -> dict:
    """The CourseDirectory settings of the course, from the configuration files stock
    nbgrader reads in its root (autograder.course.config_layers)."""
    from ..course import load_config

    return load_config(root).get("CourseDirectory", {})


def course_db_url(root: Path) -> str:
    """The gradebook URL nbgrader uses in this course (its configuration, else SQLite)."""
    url = _course_directory(root).get("db_url")
    return str(url) if url else f"sqlite:///{root / 'gradebook.db'}"


def course_id(root: Path) -> str:
    return str(_course_directory(root).get("course_id") or "default_course")


def quiet_sqlalchemy_warnings() -> None:
    """nbgrader's own use of SQLAlchemy warns on every submission; the grade log is for people."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def open_gradebook(url: str, course: str, journal: bool = True):
    """The gradebook, with the journal's table made if it is missing (not with
    `journal=False`: a dry run writes nothing, and finds no journal as an empty one)."""
    from nbgrader.api import Gradebook

    gb = Gradebook(url, course)
    if journal:
        _create_journal(gb.engine)
    return gb


def _create_journal(engine) -> None:
    """The journal's table, made by whichever grader comes first. Graders that start at the
    same time on one PostgreSQL gradebook may all find it missing: the ones whose CREATE
    TABLE loses the race (DuplicateTable, or a unique violation in PostgreSQL's catalogue)
    find it made, and go on."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    try:
        JOURNAL.create(engine, checkfirst=True)
    except (ProgrammingError, IntegrityError):
        if not inspect(engine).has_table(JOURNAL.name):
            raise


# --- the chapter, for the workers ---------------------------------------------------------
def snapshot(url: str, course: str, chapter: str) -> tuple[bytes, str]:
    """(a SQLite gradebook with only `chapter`, a digest of what it holds)."""
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, text

    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="autograder-snapshot-") as folder:
        path = Path(folder) / "gradebook.db"
        with Gradebook(url, course) as source:
            # Tables and schema version made here: nbgrader would run `alembic` to learn it.
            version = source.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
            engine = create_engine(f"sqlite:///{path}")
            Base.metadata.create_all(engine)
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
                connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
            engine.dispose()
            with Gradebook(f"sqlite:///{path}", course) as copy:
                _copy_assignment(source, copy, chapter, digest)
        return path.read_bytes(), digest.hexdigest()


def _copy_assignment(source, copy, chapter: str, digest) -> None:
    """The chapter's assignment, notebooks and cells, from one gradebook into another."""
    assignment = source.find_assignment(chapter)
    copy.add_assignment(chapter, duedate=assignment.duedate)
    digest.update(f"{chapter}|{assignment.duedate}".encode())
    for notebook in assignment.notebooks:
        # The kernelspec too: nbgrader's OverwriteKernelspec grades every submission with it.
        copy.add_notebook(notebook.name, chapter, kernelspec=notebook.kernelspec)
        digest.update(f"|nb {notebook.name} {notebook.kernelspec}".encode())
        for cell in notebook.grade_cells:
            copy.add_grade_cell(cell.name, notebook.name, chapter,
                                max_score=cell.max_score, cell_type=cell.cell_type)
            digest.update(f"|grade {cell.name} {cell.max_score} {cell.cell_type}".encode())
        for cell in notebook.solution_cells:
            copy.add_solution_cell(cell.name, notebook.name, chapter)
            digest.update(f"|solution {cell.name}".encode())
        for cell in notebook.task_cells:
            copy.add_task_cell(cell.name, notebook.name, chapter,
                               max_score=cell.max_score, cell_type=cell.cell_type)
            digest.update(f"|task {cell.name} {cell.max_score}".encode())
        for cell in notebook.source_cells:
            copy.add_source_cell(cell.name, notebook.name, chapter, cell_type=cell.cell_type,
                                 locked=cell.locked, source=cell.source, checksum=cell.checksum)
            digest.update(f"|source {cell.name} {cell.locked} {cell.checksum}".encode())
            digest.update(cell.source.encode())


def manual_grades(gb, chapter: str, student: str) -> dict:
    """What graders entered by hand for this submission, so that its feedback shows it."""
    from nbgrader.api import MissingEntry

    try:
        submission = gb.find_submission(chapter, student)
    except MissingEntry:
        return {}
    found = {}
    for notebook in submission.notebooks:
        grades = {g.name: {"manual_score": g.manual_score, "extra_credit": g.extra_credit}
                  for g in notebook.grades if g.manual_score is not None or g.extra_credit}
        comments = {c.name: c.manual_comment for c in notebook.comments if c.manual_comment}
        if grades or comments:
            found[notebook.name] = {"grades": grades, "comments": comments}
    return found


# --- the journal -----------------------------------------------------------------------------
def recorded(gb, chapter: str) -> dict[str, tuple[str, str]]:
    """student -> (fingerprint of the version whose result is in the gradebook, status)."""
    from sqlalchemy import inspect

    if not inspect(gb.engine).has_table(JOURNAL.name):
        return {}
    rows = gb.db.execute(select(JOURNAL.c.student, JOURNAL.c.fingerprint, JOURNAL.c.status)
                         .where(JOURNAL.c.assignment == chapter))
    return {student: (fingerprint, status) for student, fingerprint, status in rows.all()}


def _journal(gb, chapter: str, student: str, fingerprint: str, status: str,
             seconds: float | None, worker: str) -> None:
    key = and_(JOURNAL.c.assignment == chapter, JOURNAL.c.student == student)
    gb.db.execute(delete(JOURNAL).where(key))
    gb.db.execute(insert(JOURNAL).values(
        assignment=chapter, student=student, fingerprint=fingerprint, status=status[:2000],
        seconds=seconds, worker=worker[:256],
        graded_at=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)))


# --- writing a result ------------------------------------------------------------------------
def _retrying(write):
    """Run a gradebook write again when another grader's concurrent write got in its way
    (two graders creating the same submission, a unique key taken meanwhile, a lock)."""
    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import SQLAlchemyError

    def run(gb, *args, **kwargs):
        for attempt in range(6):
            try:
                return write(gb, *args, **kwargs)
            except (SQLAlchemyError, InvalidEntry):
                gb.db.rollback()
                if attempt == 5:
                    raise
                time.sleep(0.05 * 2 ** attempt)
    run.__doc__, run.__name__ = write.__doc__, write.__name__
    return run


@_retrying
def record(gb, result) -> None:
    """Put a worker's `Result` into the gradebook, with its journal row, in one commit."""
    gb.update_or_create_student(result.student)
    submission = gb.update_or_create_submission(result.chapter, result.student,
                                                **({"timestamp": result.timestamp}
                                                   if result.timestamp else {}))
    for notebook in submission.notebooks:
        got = result.notebooks.get(notebook.name)
        for grade in notebook.grades:
            score = got["grades"].get(grade.name) if got else 0.0
            grade.auto_score = score
            # As nbgrader's SaveAutoGrades: a hand-entered score or no score needs a look.
            grade.needs_manual_grade = grade.manual_score is not None or score is None
        for comment in notebook.comments:
            comment.auto_comment = got["comments"].get(comment.name) if got else None
        notebook.late_submission_penalty = got.get("penalty") if got else None
        if result.stopped:
            notebook.flagged = True
    status = "graded" if not result.stopped else f"stopped: {result.stopped}"
    _journal(gb, result.chapter, result.student, result.fingerprint, status,
             result.seconds, result.worker)
    gb.db.commit()


@_retrying
def record_ungraded(gb, chapter: str, student: str, fingerprint: str, reason: str,
                    journal: bool = True) -> None:
    """Zero for every cell of a submission that could not be graded, with the reason.

    `journal=False` for a failure of the grader rather than of the submission: the
    zero stands until the next run grades it.
    """
    gb.update_or_create_student(student)
    submission = gb.update_or_create_submission(chapter, student)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0.0
            grade.needs_manual_grade = grade.manual_score is not None
        notebook.flagged = True
    if journal:
        _journal(gb, chapter, student, fingerprint, f"not graded: {reason}", None, os.uname().nodename)
    gb.db.commit()
