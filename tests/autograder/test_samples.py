"""Sample submissions: whole answers, and edits of a few lines of the solution."""
from __future__ import annotations

import pytest

from autograder.course import CourseError
from autograder.notebook import answer_cells as _answer_cells
from autograder.samples import _edited, assemble, parse_sample

from ..conftest import ROOT

SOLUTION = "def f(x):\n    y = x + 1\n    return y"


def test_an_edit_replaces_one_line_and_keeps_its_indentation():
    assert _edited(SOLUTION, "- y = x + 1\n+ y = x - 1", "here") == "def f(x):\n    y = x - 1\n    return y"


LOOP = "def g(xs):\n    total = 0\n    for x in xs:\n        total += x\n\n    return total"


def test_an_edit_removes_and_adds_lines_where_its_kept_lines_say():
    edit = "  for x in xs:\n-     total += x\n+     if x > 0:\n+         total += x"
    assert _edited(LOOP, edit, "here").splitlines()[2:5] == [
        "    for x in xs:", "        if x > 0:", "            total += x"]


def test_an_edit_may_only_delete_and_change_several_places_in_order():
    edit = "- total = 0\n+ total = 1\n@@\n  for x in xs:\n-     total += x\n\n@@\n- return total\n+ return -total"
    assert _edited(LOOP, edit, "here") == "def g(xs):\n    total = 1\n    for x in xs:\n\n    return -total"


def test_an_edit_is_searched_after_the_previous_change():
    source = "a = 1\nb = 2\na = 1"
    assert _edited(source, "- b = 2\n+ b = 3\n@@\n- a = 1\n+ a = 4", "here") == "a = 1\nb = 3\na = 4"


@pytest.mark.parametrize("edit, why", [("- y = x + 2\n+ y = 0", "0 times"),
                                       ("- return y\n+ return 0\n@@\n- y = x + 1\n+ y = 0", "0 times"),
                                       ("  y = x + 1", "a '- ' line or a kept line"),
                                       ("+ y = 0", "a '- ' line or a kept line"),
                                       ("y = 0", "each line of an edit starts with")])
def test_an_edit_that_does_not_match_the_cell_says_so(edit, why):
    with pytest.raises(CourseError, match=why):
        _edited(SOLUTION, edit, "sample x")


def test_an_ambiguous_edit_says_how_often_it_matched():
    with pytest.raises(CourseError, match="2 times"):
        _edited("a = 1\nb = 2\na = 1", "- a = 1\n+ a = 0", "sample x")


def test_an_edit_sample_is_the_solution_with_that_line_changed(tmp_path):
    path = tmp_path / "ben.py"
    path.write_text("# base: solution\n# loses: Tensor\n# %% Tensor: edit\n"
                    "- G = np.asarray(G, dtype=float)\n+ return G\n")
    sample = parse_sample(path)
    assert sample.loses == ["Tensor"] and list(sample.answers) == ["Tensor:edit"]
    cells = dict(_answer_cells(assemble(ROOT, "06_tensor_autodiff", sample)))
    lines = cells["Tensor"].source.splitlines()
    assert "    return G" in lines and "    G = np.asarray(G, dtype=float)" not in lines
