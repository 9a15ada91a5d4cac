"""The parts of the course's notebooks, as nbgrader marks them: one home for the names.

A cell's nbgrader metadata says what it is. An *answer cell* is a solution cell: a code
answer (autograded by the test cells after it) or a written answer (a graded markdown
cell, scored by hand). A *test cell* is a graded code cell that is not an answer; its
*hidden region* lies between the hidden-test markers, and an answer's solution between
the solution markers (`autograder build` writes both; `nbgrader generate_assignment`
takes them out of the students' notebooks).
"""
from __future__ import annotations

from typing import Iterator

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: What nbgrader itself looks for (ClearHiddenTests): any line holding it opens a hidden region.
HIDDEN_DELIMITER = "BEGIN HIDDEN TESTS"


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a cell nbgrader does not mark)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(nb) -> Iterator[tuple[str, object]]:
    """(grade_id, cell) for each answer cell, code or written, in notebook order."""
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            yield meta["grade_id"], cell


def code_answer_cells(nb) -> Iterator[tuple[str, object]]:
    """(grade_id, cell) for each autograded answer cell (code, not graded by hand)."""
    for grade_id, cell in answer_cells(nb):
        if cell.cell_type == "code" and not nbgrader_meta(cell).get("grade"):
            yield grade_id, cell


def test_cells(nb) -> Iterator[tuple[str, object]]:
    """(grade_id, cell) for each test cell: graded code that is not an answer."""
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            yield meta["grade_id"], cell


def hidden_test_cells(nb) -> Iterator[tuple[str, object]]:
    """(grade_id, cell) for each test cell with a hidden region."""
    return ((grade_id, cell) for grade_id, cell in test_cells(nb) if HIDDEN_BEGIN in cell.source)


def without_solution_markers(source: str) -> str:
    """An answer's source without the lines of the solution markers."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END))
