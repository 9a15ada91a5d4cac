"""Scores from the nbgrader gradebook, per student and per exercise.

nbgrader stores points per test cell; the course's contract (CURRICULUM.md) names
each exercise's test cells `test_<exercise>...`, so cell scores add up to exercise
scores here. A written (manually graded) answer is an exercise of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import notebook_name
from .notebook import answer_cells


@dataclass
class StudentScores:
    student: str
    timestamp: object
    scores: dict[str, float] = field(default_factory=dict)      # exercise -> points
    cells: dict[str, float] = field(default_factory=dict)       # grade cell -> points
    needs_manual: list[str] = field(default_factory=list)       # exercises a grader should look at
    awaiting: list[str] = field(default_factory=list)           # ... of which no score is entered yet

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def exercises(root: Path, chapter: str) -> list[str]:
    """The chapter's exercises, in notebook order: its answer cells' grade_ids."""
    nb = nbformat.read(root / "solutions" / chapter / notebook_name(root, chapter), as_version=4)
    return [grade_id for grade_id, _ in answer_cells(nb)]


def exercise_of(grade_id: str, names: list[str]) -> str:
    """The exercise a grade cell belongs to (longest `test_<exercise>` prefix)."""
    if grade_id in names:
        return grade_id
    owners = [n for n in names if grade_id.startswith(f"test_{n}")]
    if not owners:
        raise ValueError(f"grade cell {grade_id!r} belongs to no exercise; test cells are "
                         f"named test_<exercise>... with an exercise among {names}")
    return max(owners, key=len)


def read_scores(root: Path, chapter: str) -> tuple[list[str], dict[str, float], list[StudentScores]]:
    """(exercises, max points per exercise, one StudentScores per submission)."""
    from nbgrader.api import Gradebook  # slow import: only when the gradebook is read

    from .batch.gradebook import course_db_url, course_id

    names = exercises(root, chapter)
    maximum = {n: 0.0 for n in names}
    rows = []
    with Gradebook(course_db_url(root), course_id(root)) as gb:
        assignment = gb.find_assignment(chapter)
        for notebook in assignment.notebooks:
            for cell in notebook.grade_cells:
                maximum[exercise_of(cell.name, names)] += cell.max_score
        for submission in sorted(gb.assignment_submissions(chapter), key=lambda s: s.student_id):
            row = StudentScores(submission.student_id, submission.timestamp,
                                {n: 0.0 for n in names})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    owner = exercise_of(grade.name, names)
                    row.cells[grade.name] = grade.score or 0.0
                    row.scores[owner] += grade.score or 0.0
                    if grade.needs_manual_grade:
                        row.needs_manual.append(owner)
                        if grade.manual_score is None:
                            row.awaiting.append(owner)
            rows.append(row)
    return names, maximum, rows
