"""Every notebook runs: the instructor's cleanly, the student's with only unanswered stubs.

A student notebook is run as JupyterLab's Run All runs it: a cell whose error is not
expected (no raises-exception tag) stops the run, so every failing visible test must
carry the tag, or Run All would stop a student at the first unanswered exercise
(tests/browser/test_student.py runs one chapter so in the browser)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.course import base_chapter

from .conftest import ROOT

#: The translated editions run here: one (their code is the English code, comments,
#: docstrings and printed text aside, which tests/i18n/test_editions.py holds them to; this
#: one runs its language cell, its Chinese messages and the plots' Chinese text).
EDITIONS_RUN = ("01_numerical_zh",)


def notebooks(folder: str) -> list[Path]:
    return [path for path in sorted(ROOT.glob(f"{folder}/*/*.ipynb"))
            if base_chapter(path.parent.name)[1] is None or path.parent.name in EDITIONS_RUN]


def execute(path: Path, cwd: Path, allow_errors: bool = True, extra: str | None = None):
    nb = nbformat.read(path, as_version=4)
    if extra is not None:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def errors(nb):
    return [(cell.get("id"), out.ename, out.evalue[:200]) for cell in nb.cells
            if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]


#: Run after the notebook in its kernel: every explorer (a box holding a slider and an
#: image) moved one step, and whether its picture was drawn again.
MOVE_EVERY_SLIDER = r'''
import json as _json
import ipywidgets as _w
from ipywidgets.widgets.widget import _instances as _all
def _inside(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _inside(child)
_moved = []
for _box in [w for w in list(_all.values()) if isinstance(w, _w.Box)]:
    _sliders = [c for c in _inside(_box) if isinstance(c, (_w.IntSlider, _w.FloatSlider, _w.FloatLogSlider))]
    _images = [c for c in _inside(_box) if isinstance(c, _w.Image)]
    if not _sliders or not _images or any(_box in [*_inside(o)] for o in _all.values() if isinstance(o, _w.Box)):
        continue
    _slider, _before = _sliders[0], _images[0].value
    if isinstance(_slider, _w.FloatLogSlider):
        _slider.value = _slider.base ** min(_slider.max, __import__("math").log(_slider.value, _slider.base) + _slider.step)
    else:
        _slider.value = min(_slider.max, _slider.value + _slider.step)
    _moved.append(_images[0].value != _before and len(_images[0].value) > 0)
print("MOVED", _json.dumps(_moved))
'''


@pytest.mark.parametrize("path", notebooks("solutions"), ids=lambda p: p.parent.name)
def test_instructor_notebook_runs_without_any_error(path, tmp_path):
    """It runs cleanly, and its explorer draws again when its slider moves (the widgets'
    Python side, in every chapter; tests/browser/test_student.py moves the slider of a
    few chapters in the browser)."""
    nb = execute(path, tmp_path, extra=MOVE_EVERY_SLIDER)
    assert errors(nb) == []
    assert any(out.get("output_type") == "display_data" for cell in nb.cells
               if cell.cell_type == "code" for out in cell.outputs), "the widget or plot rendered"
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    moved = json.loads(printed.split("MOVED ", 1)[1])
    assert moved and all(moved), f"explorers that did not draw again when moved: {moved}"
    streams = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
               if out.get("output_type") == "stream"]
    missing = [out.text[:200] for out in streams if "missing from font" in out.text]
    assert not missing, f"characters the plots' fonts do not have: {missing}"
    if base_chapter(path.parent.name)[1]:
        printed = "".join(out.text for out in streams if out.name == "stdout")
        assert re.search(r"[\u4e00-\u9fff]", printed), "a translated edition prints in its language"


@pytest.mark.parametrize("path", notebooks("course"), ids=lambda p: p.parent.name)
def test_student_notebook_runs_and_fails_only_on_unanswered_exercises(path, tmp_path):
    try:
        nb = execute(path, tmp_path, allow_errors=False)  # stops where Run All would
    except CellExecutionError as stopped:
        raise AssertionError(f"Run All would stop here (no raises-exception tag): {stopped}"[:3000]) from None
    found = errors(nb)
    assert found, "the visible tests of unanswered exercises fail"
    assert {ename for _, ename, _ in found} == {"NotImplementedError"}, found
