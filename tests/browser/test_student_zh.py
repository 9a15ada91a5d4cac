"""A student of a class taught in Chinese: JupyterLab in Chinese (deploy/student/ with
deploy/student-zh_CN/ over it), a Chinese chapter run to its end, a sign error that the
visible test names in Chinese, and the plots' Chinese text drawn (screenshots kept).

JupyterLab's menus are in Chinese here, so cells are run and notebooks saved through its
commands (the English tests of test_student.py click the menus)."""
from __future__ import annotations

import re
import shutil

import pytest

from adcourse import i18n
from autograder.course import notebook_name

from ..conftest import ROOT
from .conftest import shoot
from .lab import JupyterLab, errors, students_jupyter, open_notebook, run_all, save, unexecuted
from .test_student import RIGHT_CENTRAL, WRONG_CENTRAL, _answer_cell, _replace_and_run

CHAPTER = "01_numerical_zh"
#: Scroll the notebook to cell i (JupyterLab's own scroll: its notebook draws the cells in view).
SCROLL_TO_CELL = """(i) => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    notebook.activeCellIndex = i;
    return notebook.scrollToItem(i, 'start');
}"""
CJK = re.compile(r"[\u4e00-\u9fff]")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chinese_lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("student-zh")
    home = base / "home"
    name = notebook_name(ROOT, CHAPTER)
    for folder in ("fresh", "mistake"):
        (home / folder / CHAPTER).mkdir(parents=True)
        shutil.copy(ROOT / "course" / CHAPTER / name, home / folder / CHAPTER / name)
    lab = JupyterLab(home, students_jupyter(base, "student-zh_CN"), base / "lab.log").start()
    yield lab
    lab.stop()


@pytest.fixture(autouse=True)
def one_kernel_at_a_time(chinese_lab):
    yield
    chinese_lab.shut_down_kernels()


def _relative(folder: str) -> str:
    return f"{folder}/{CHAPTER}/{notebook_name(ROOT, CHAPTER)}"


def test_a_chinese_chapter_runs_to_its_end_in_a_chinese_jupyterlab(page, chinese_lab, request):
    chinese_lab.login(page)
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert any(CJK.search(label) for label in menus), f"JupyterLab's menus are in Chinese: {menus}"
    open_notebook(page, chinese_lab, _relative("fresh"))
    run_all(page, by_command=True)
    nb = save(page, chinese_lab.root / _relative("fresh"), by_command=True)
    shoot(page, request.node.name, "after-run-all")
    assert unexecuted(nb) == []
    assert {ename for ename, _ in errors(nb)} == {"NotImplementedError"}, errors(nb)
    # The plots' text is Chinese and every character of it was drawn (matplotlib warns of
    # a character its fonts lack).
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert any(out.get("output_type") == "display_data" and "image/png" in out.get("data", {}) for out in outputs)
    warned = [out.text for out in outputs if out.get("output_type") == "stream" and "missing from font" in out.text]
    assert not warned, warned
    # The first plot (the error curves of chapter 1, their title, axes and legend in Chinese),
    # brought into view: JupyterLab draws only the cells near the view.
    first = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
                 and any("image/png" in out.get("data", {}) for out in cell.outputs))
    page.evaluate(SCROLL_TO_CELL, first)
    figure = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(first).locator(
        ".jp-RenderedImage img").first
    figure.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=figure.element_handle())
    shoot(page, request.node.name, "plot-with-chinese-text")
    shoot(page, request.node.name, "the-plot-alone", element=figure)


def test_a_sign_error_is_named_in_chinese(page, chinese_lab, request):
    chinese_lab.login(page)
    open_notebook(page, chinese_lab, _relative("mistake"))
    run_all(page, by_command=True)
    answer = _answer_cell(page, "def central_difference")
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    test = cells.nth(cells.evaluate_all("(cells, marker) => cells.findIndex(c => c.textContent.includes(marker))",
                                        "def central_difference") + 1)
    _replace_and_run(page, answer, WRONG_CENTRAL, test)
    test.scroll_into_view_if_needed()
    message = test.locator(".jp-OutputArea").inner_text()
    shoot(page, request.node.name, "visible-test-message")
    i18n.use("zh_CN", plots=False)
    try:
        flipped, hint = i18n.gettext("the sign is flipped"), i18n.gettext("likely mistake: {hint}")
    finally:
        i18n.use("en", plots=False)
    assert flipped != "the sign is flipped" and flipped in message, message
    assert hint.split("{")[0].strip() in message and "likely mistake" not in message, message
    _replace_and_run(page, answer, RIGHT_CENTRAL, test)
    shoot(page, request.node.name, "visible-test-passes")
    assert "Error" not in test.locator(".jp-OutputArea").inner_text()

