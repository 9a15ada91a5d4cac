"""Solution cells from the reference source (markers, docstrings, trailing comments, tags),
hidden test regions from the hidden test modules."""
from __future__ import annotations

import ast
import shutil
import inspect

import nbformat
import pytest

from autograder.course import chapters
from autograder.sealed import exercise_names
from autograder.sync import (BEGIN, END, HIDDEN_BEGIN, HIDDEN_END, TEST_TAG, _definition, _may_raise,
                             answer_cells, hidden_region, hidden_test_cells, hidden_tests, sync_notebook,
                             with_hidden_region)

from ..conftest import ROOT

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


# --- hidden test regions -----------------------------------------------------------------

NUMERICAL = ROOT / "solutions" / "01_numerical" / "numerical.ipynb"


def _cell(nb, grade_id):
    return next(cell for cell in nb.cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_hand_edited_hidden_region_is_stale_and_written_again(tmp_path):
    path = tmp_path / NUMERICAL.name
    nb = nbformat.read(NUMERICAL, as_version=4)
    generated = _cell(nb, "test_central_difference_hidden").source
    _cell(nb, "test_central_difference_hidden").source = generated.replace("(central_difference)",
                                                                           "(forward_difference)")
    nbformat.write(nb, path)
    assert sync_notebook(path, "01_numerical", write=False) == ["test_central_difference_hidden"]
    assert sync_notebook(path, "01_numerical") == ["test_central_difference_hidden"]
    assert _cell(nbformat.read(path, as_version=4), "test_central_difference_hidden").source == generated
    assert sync_notebook(path, "01_numerical", write=False) == []


def test_the_region_is_the_call_and_the_rest_of_the_cell_is_kept():
    test = hidden_tests("01_numerical")["test_richardson_hidden"]
    source = with_hidden_region(f"# visible\n{HIDDEN_BEGIN}\ncompare(...)\n{HIDDEN_END}\nprint('after')",
                                hidden_region(test))
    lines = source.splitlines()
    assert lines[0] == "# visible" and lines[1] == HIDDEN_BEGIN and lines[-2] == HIDDEN_END
    assert lines[-1] == "print('after')"
    assert "from autograder.hidden import numerical as hidden" in lines
    assert "hidden.test_richardson_hidden(richardson)" in lines


def test_a_hidden_test_written_inline_is_left_alone(tmp_path):
    path = tmp_path / NUMERICAL.name
    nb = nbformat.read(NUMERICAL, as_version=4)
    inline = (f"# Hidden tests: two more inputs.\n{HIDDEN_BEGIN}\nfrom autograder.checking import Case, compare\n"
              f"compare(central_difference, 'numerical.central_difference', [Case((np.sin, 1.0))])\n{HIDDEN_END}")
    cell = nbformat.v4.new_code_cell(inline, metadata={"nbgrader": {
        "grade": True, "grade_id": "test_central_difference_inline", "locked": True, "points": 1,
        "schema_version": 3, "solution": False, "task": False}, "tags": [TEST_TAG]})
    nb.cells.append(cell)
    nbformat.write(nb, path)
    assert sync_notebook(path, "01_numerical") == []
    assert _cell(nbformat.read(path, as_version=4), "test_central_difference_inline").source == inline


def test_a_region_with_no_end_or_two_regions_is_refused():
    for source in (f"{HIDDEN_BEGIN}\nx = 1", f"{HIDDEN_BEGIN}\n{HIDDEN_END}\n{HIDDEN_BEGIN}\n{HIDDEN_END}"):
        with pytest.raises(ValueError, match="one"):
            with_hidden_region(source, "region")


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_every_hidden_test_cell_has_its_function_and_every_function_its_cell(chapter):
    nb = nbformat.read(next((ROOT / "solutions" / chapter).glob("*.ipynb")), as_version=4)
    cells = dict(hidden_test_cells(nb))
    tests = hidden_tests(chapter)
    assert sorted(cells) == sorted(tests), "hidden test cells without a function, or functions without a cell"
    exercises = exercise_names([cell.source for _, cell in answer_cells(nb)])
    for grade_id, test in tests.items():
        taken = set(inspect.signature(test).parameters)
        assert taken and taken <= exercises, f"{grade_id} takes names no answer cell defines: {taken - exercises}"
        assert test.__doc__, f"{grade_id} says what it checks"


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_every_chapter_says_how_work_is_checked_in_the_same_words_after_its_title(chapter):
    from autograder.sync import shared_cells, shared_text

    nb = nbformat.read(next((ROOT / "solutions" / chapter).glob("*.ipynb")), as_version=4)
    shared = shared_cells(nb)
    assert [name for name, _ in shared] == ["how_your_work_is_checked"]
    assert nb.cells.index(shared[0][1]) == 1 and shared[0][1].source == shared_text("how_your_work_is_checked")


def test_a_shared_cell_is_written_again_from_its_text(tmp_path):
    path = tmp_path / "numerical.ipynb"
    shutil.copy(next((ROOT / "solutions" / "01_numerical").glob("*.ipynb")), path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = "## How your work is checked\n\nedited by hand"
    nbformat.write(nb, path)
    assert sync_notebook(path, "01_numerical") == ["shared text how_your_work_is_checked"]
    assert sync_notebook(path, "01_numerical", write=False) == []
