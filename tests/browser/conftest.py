"""Browser tests: Playwright driving Debian's Chromium against JupyterLab.

The browser is the system's Chromium (`CHROMIUM`, or `chromium` on PATH; .ci/run
installs Debian's package); Playwright never downloads one. Screenshots are kept in
`BROWSER_ARTIFACTS` (default test-artifacts/browser/ in the repository), one per step
the tests check, named after the test.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ..conftest import ROOT

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "test-artifacts" / "browser"))



def chromium() -> str | None:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


@pytest.fixture(scope="session")
def browser():
    executable = chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package")
        pytest.skip("needs Chromium (apt-get install chromium, or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: Chromium's own sandbox cannot run as root or in most containers.
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    yield tab
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        shoot(tab, request.node.name, "at-failure")
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def shoot(page, test_name: str, step: str, full_page: bool = False, element=None) -> Path:
    """Keep a screenshot of this step (of the page, or of one `element` of it):
    <artifacts>/<test>--<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test_name}--{step}") + ".png"
    path = ARTIFACTS / name
    if element is not None:
        element.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path
