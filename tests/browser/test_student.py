"""A student in JupyterLab: chapters run in the browser (a fresh one, and completed ones
with their widget moved), visible tests, nbgrader's Validate, and a Jupyter without the
instructor's tools.

JupyterLab runs with the students' configuration (deploy/student/) in a folder that
holds what a student has after fetching the chapters: course/<chapter>/.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course import chapters, notebook_name
from autograder.samples import Sample, assemble

from ..conftest import ROOT
from .conftest import shoot
from .lab import IDLE, JupyterLab, students_jupyter, errors, menu_items, open_notebook, run_all, save, unexecuted

CHAPTERS = chapters(ROOT)
pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("student")
    home = base / "home"
    for chapter in CHAPTERS:
        name = notebook_name(ROOT, chapter)
        for folder in ("fresh", "validate", "mistake"):
            (home / folder / chapter).mkdir(parents=True)
            shutil.copy(ROOT / "course" / chapter / name, home / folder / chapter / name)
        (home / "completed" / chapter).mkdir(parents=True)
        nbformat.write(assemble(ROOT, chapter, Sample("student", "solution", [])),
                       home / "completed" / chapter / name)
    lab = JupyterLab(home, students_jupyter(base), base / "lab.log").start()
    yield lab
    lab.stop()


@pytest.fixture(autouse=True)
def one_kernel_at_a_time(student_lab):
    """Each test's kernels end with it (after its failure screenshot, if any)."""
    yield
    student_lab.shut_down_kernels()


def path_of(lab: JupyterLab, folder: str, chapter: str) -> tuple[str, Path]:
    relative = f"{folder}/{chapter}/{notebook_name(ROOT, chapter)}"
    return relative, lab.root / relative


def test_a_fresh_chapter_runs_and_fails_only_on_unanswered_exercises(page, student_lab, request):
    """JupyterLab's Run All goes on past the failing visible tests (tagged raises-exception).
    Every chapter's student notebook is run the same way, honouring the tags as Run All
    does, in tests/test_notebooks.py; here it is the browser that runs one."""
    relative, path = path_of(student_lab, "fresh", CHAPTERS[0])
    student_lab.login(page)
    open_notebook(page, student_lab, relative)
    run_all(page)
    nb = save(page, path)
    shoot(page, request.node.name, "after-run-all")
    assert unexecuted(nb) == [], "Run All goes on past a failing test to the end of the notebook"
    found = errors(nb)
    assert found, "the visible tests of unanswered exercises say so"
    assert {ename for ename, _ in found} == {"NotImplementedError"}, found


EXPLORER = """() => {
    const boxes = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox')].filter(
        b => b.querySelector('.widget-slider .noUi-handle') && b.querySelector('.widget-image'));
    if (!boxes.length) return false;
    boxes[0].setAttribute('data-explorer', '1');
    boxes[0].scrollIntoView({block: 'center'});
    return true;
}"""


#: Chapters whose completed notebook runs in the browser and whose explorer is moved there:
#: a slider and a log slider (every chapter's explorer is an ipywidgets slider and image;
#: tests/test_notebooks.py moves each one's slider in its kernel and checks it draws again).
IN_THE_BROWSER = ["01_numerical", "07_nonsmooth"]


@pytest.mark.parametrize("chapter", IN_THE_BROWSER)
def test_a_completed_chapter_runs_cleanly_and_its_widget_responds(page, student_lab, chapter, request):
    relative, path = path_of(student_lab, "completed", chapter)
    student_lab.login(page)
    open_notebook(page, student_lab, relative)
    run_all(page)
    nb = save(page, path)
    assert unexecuted(nb) == []
    assert errors(nb) == []
    page.wait_for_function(EXPLORER, timeout=30_000)
    explorer = page.locator("[data-explorer='1']")
    image = explorer.locator(".widget-image").first
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    before = image.get_attribute("src")
    shoot(page, request.node.name, "widget-before")
    handle = explorer.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")  # one step: one redraw, so the new picture is the last one
    page.wait_for_function("([img, before]) => img.getAttribute('src') !== before && img.complete",
                           arg=[image.element_handle(), before], timeout=30_000, polling=200)
    page.wait_for_function(IDLE, timeout=30_000)
    shoot(page, request.node.name, "widget-after-moving-the-slider")


WRONG_CENTRAL = '''def central_difference(f, x, h=1e-5):
    return (f(x - h) - f(x + h)) / (2 * h)'''
RIGHT_CENTRAL = '''def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)'''


def _answer_cell(page, definition: str):
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell", has_text=definition).first
    cell.scroll_into_view_if_needed()
    return cell


#: The test cell has run again: its prompt shows a number other than before, and no *.
RAN_AGAIN = """([prompt, before]) => {
    const now = prompt.textContent;
    return now !== before && /\\d/.test(now) && !now.includes('*');
}"""


def _replace_and_run(page, cell, code: str, test) -> None:
    """Replace the answer cell's code, run it and the visible test after it, and wait
    until that test has run again (its prompt's number changes: the kernel can say idle
    before the two cells are even queued)."""
    prompt = test.locator(".jp-InputPrompt").element_handle()
    before = prompt.text_content()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")   # run the answer; the visible test cell is next
    page.keyboard.press("Shift+Enter")   # run the visible test
    page.wait_for_function(RAN_AGAIN, arg=[prompt, before], timeout=60_000, polling=200)
    page.wait_for_function(IDLE, timeout=60_000)


def test_a_sign_error_shows_in_the_visible_test_and_goes_away_when_fixed(page, student_lab, request):
    chapter = "01_numerical"
    relative, path = path_of(student_lab, "mistake", chapter)
    student_lab.login(page)
    open_notebook(page, student_lab, relative)
    run_all(page)
    answer = _answer_cell(page, "def central_difference")
    test = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").evaluate_all(
            "(cells, marker) => cells.findIndex(c => c.textContent.includes(marker))",
            "def central_difference") + 1)
    _replace_and_run(page, answer, WRONG_CENTRAL, test)
    test.scroll_into_view_if_needed()
    message = test.locator(".jp-OutputArea").inner_text()
    shoot(page, request.node.name, "visible-test-message")
    assert "central_difference(np.sin, 1.0)" in message and "the sign is flipped" in message, message
    assert "NotImplementedError" not in message
    _replace_and_run(page, answer, RIGHT_CENTRAL, test)
    test.scroll_into_view_if_needed()
    shoot(page, request.node.name, "visible-test-passes")
    assert "Error" not in test.locator(".jp-OutputArea").inner_text()
    nb = save(page, path)
    assert any("(f(x + h) - f(x - h))" in c.source for c in nb.cells), "the answer was saved"


def test_validate_reports_the_unanswered_exercises(page, student_lab, request):
    relative, _ = path_of(student_lab, "validate", "01_numerical")
    student_lab.login(page)
    open_notebook(page, student_lab, relative)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog')?.textContent.includes('Validating')",
                           timeout=120_000)
    text = dialog.inner_text()
    shoot(page, request.node.name, "validate-dialog")
    # Every visible test fails on its unanswered exercise, and Validate lists each one
    # (the raises-exception tag lets validation run on past the first), and the
    # unanswered written answers.
    nb = nbformat.read(ROOT / "course" / "01_numerical" / notebook_name(ROOT, "01_numerical"), as_version=4)
    visible = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
               and "Hidden tests" not in c.source]
    written = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert text.count("The following cell failed") == len(visible) + len(written) > 5, text[:2000]
    assert text.count("NotImplementedError") >= len(visible), text[:2000]


def test_the_students_jupyter_has_no_instructor_tools(page, student_lab, request):
    student_lab.login(page)
    items = menu_items(page, "Nbgrader")
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    shoot(page, request.node.name, "nbgrader-menu")
    page.keyboard.press("Escape")
    assert "Assignment List" in items, items
    assert not {"Formgrader", "Create assignment", "Course List"} & set(items), items
    assert page.locator(".jp-SideBar .lm-TabBar-tabLabel", has_text="Create Assignment").count() == 0
    reply = page.request.get(f"{student_lab.base}/formgrader/manage_assignments")
    assert reply.status == 404, f"the formgrader answered a student with {reply.status}"
