"""Solution cells from the reference source: markers, docstrings, trailing comments, tags."""
from __future__ import annotations

import ast

import nbformat

from autograder.sync import BEGIN, END, TEST_TAG, _definition, _may_raise

SOURCE = '''def marked(x):
    """Its own markers, the last one after the last statement."""
    ### BEGIN SOLUTION
    return x
    ### END SOLUTION


def plain(x):
    """The build adds the markers around the body."""
    y = x + 1
    return y
'''


def test_a_definition_keeps_its_own_closing_marker():
    text = _definition(SOURCE, ast.parse(SOURCE), "marked")
    assert text.splitlines()[-1].strip() == END and text.count(BEGIN) == 1


def test_markers_wrap_the_body_after_the_docstring():
    lines = _definition(SOURCE, ast.parse(SOURCE), "plain").splitlines()
    assert lines[2].strip() == BEGIN and lines[-1].strip() == END and '"""' in lines[1]


def test_cells_that_call_an_exercise_may_raise_and_others_not():
    call = nbformat.v4.new_code_cell("print(central_difference(np.sin, 1.0))")
    test = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True, "grade_id": "test_x"}})
    answer = nbformat.v4.new_code_cell("def central_difference(f, x): ...",
                                       metadata={"nbgrader": {"solution": True, "grade_id": "central_difference"}})
    setup = nbformat.v4.new_code_cell("import numpy as np")
    exercises = {"central_difference"}
    assert _may_raise(call, exercises) and _may_raise(test, exercises)
    assert not _may_raise(answer, exercises) and not _may_raise(setup, exercises)
    assert TEST_TAG == "raises-exception"
