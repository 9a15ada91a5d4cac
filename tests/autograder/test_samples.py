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


@pytest.mark.parametrize("edit, why", [("- y = x + 2\n+ y = 0", "0 times"),
                                       ("- y = x + 1", "pairs"),
                                       ("+ y = 0\n- y = x + 1", "pairs")])
def test_an_edit_that_does_not_match_the_cell_says_so(edit, why):
    with pytest.raises(CourseError, match=why):
        _edited(SOLUTION, edit, "sample x")


def test_an_edit_sample_is_the_solution_with_that_line_changed(tmp_path):
    path = tmp_path / "ben.py"
    path.write_text("# base: solution\n# loses: Tensor\n# %% Tensor: edit\n"
                    "- G = np.asarray(G, dtype=float)\n+ return G\n")
    sample = parse_sample(path)
    assert sample.loses == ["Tensor"] and list(sample.answers) == ["Tensor:edit"]
    cells = dict(_answer_cells(assemble(ROOT, "06_tensor_autodiff", sample)))
    lines = cells["Tensor"].source.splitlines()
    assert "    return G" in lines and "    G = np.asarray(G, dtype=float)" not in lines
