"""Every notebook runs: the instructor's cleanly, the student's with only unanswered stubs."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT


def execute(path: Path, cwd: Path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def errors(nb):
    return [(cell.get("id"), out.ename, out.evalue[:200]) for cell in nb.cells
            if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]


@pytest.mark.parametrize("path", sorted(ROOT.glob("solutions/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_instructor_notebook_runs_without_any_error(path, tmp_path):
    nb = execute(path, tmp_path)
    assert errors(nb) == []
    assert any(out.get("output_type") == "display_data" for cell in nb.cells
               if cell.cell_type == "code" for out in cell.outputs), "the widget or plot rendered"


@pytest.mark.parametrize("path", sorted(ROOT.glob("course/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_student_notebook_runs_and_fails_only_on_unanswered_exercises(path, tmp_path):
    nb = execute(path, tmp_path)
    found = errors(nb)
    assert found, "the visible tests of unanswered exercises fail"
    assert {ename for _, ename, _ in found} == {"NotImplementedError"}, found
