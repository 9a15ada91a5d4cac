"""An instructor in JupyterLab: the formgrader shows the graded sample class, one
submission with its test results, and the feedback page the student gets.

JupyterLab runs in a scratch copy of the course root, with nbgrader's extensions as
`pip install` enables them, after `autograder sample` and `autograder grade`.
"""
from __future__ import annotations

import pytest

from ..conftest import autograder, copy_course, keep_samples
from .conftest import shoot
from .lab import JupyterLab, menu

CHAPTER = "01_numerical"
STUDENTS = {"instructor", "cleo_one_sided", "untouched"}


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("instructor")
    (base / "course").mkdir()
    course = copy_course(base / "course")
    keep_samples(course, CHAPTER, STUDENTS)
    autograder(course, "sample", CHAPTER)
    autograder(course, "grade", CHAPTER, "--no-progress")
    config = base / "jupyter"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    exchange = base / "exchange"
    exchange.mkdir()
    (config / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    lab = JupyterLab(course, config, base / "lab.log").start()
    yield lab
    lab.stop()


def test_the_formgrader_shows_the_graded_class_a_submission_and_its_feedback(page, instructor_lab, request):
    lab = instructor_lab
    lab.login(page)
    menu(page, "Nbgrader", "Formgrader")
    formgrader = page.frame_locator("iframe[src*='formgrader']")
    row = formgrader.locator("tr", has_text=CHAPTER)
    row.wait_for()
    assert row.locator("td").nth(8).inner_text().strip() == str(len(STUDENTS)), row.inner_text()
    shoot(page, request.node.name, "1-manage-assignments")

    row.get_by_role("link", name=str(len(STUDENTS))).click()
    for student in STUDENTS:
        formgrader.locator("td", has_text=student).first.wait_for()
    shoot(page, request.node.name, "2-submissions")

    # One submission, as the grader sees it: the autograded notebook with its test results.
    page.goto(f"{lab.base}/formgrader/gradebook/{CHAPTER}/numerical")
    page.get_by_text("Show All Names").click()
    page.locator("tr", has_text="cleo_one_sided").get_by_role("link").first.click()
    page.wait_for_selector("#notebook-container, .cell, .jp-Cell", timeout=60_000)
    page.get_by_text("one-sided difference").first.scroll_into_view_if_needed()
    shoot(page, request.node.name, "3-submission")
    assert page.locator("a[href*='autograded/cleo_one_sided/']").count() > 0, "cleo's submission"
    assert "one-sided difference" in page.inner_text("body"), "the failed test's message"

    # The feedback page the student gets back, opened in JupyterLab's HTML viewer.
    page.goto(f"{lab.base}/lab/tree/feedback/cleo_one_sided/{CHAPTER}/numerical.html?reset")
    feedback = page.frame_locator(".jp-HTMLViewer iframe")
    message = feedback.get_by_text("one-sided difference").first
    message.wait_for()
    message.scroll_into_view_if_needed()
    shoot(page, request.node.name, "4-feedback")
    text = feedback.locator("body").inner_text()
    assert "BEGIN HIDDEN TESTS" not in text and "compare(" not in text, "hidden tests stay hidden"
