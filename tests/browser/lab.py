"""A JupyterLab server for browser tests, and what a user does in it.

`JupyterLab` starts `jupyter lab` on a free local port with its own Jupyter
configuration folder (the students' one of deploy/student/, or the instructor's), in a
folder of its own, and stops it with everything it started. The functions below act
as a user does, through the page: open a notebook, Run All from the menu, save.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: Seconds a notebook's Run All may take in the browser before the test gives up.
RUN_ALL_SECONDS = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    def __init__(self, root: Path, config_dir: Path, log: Path):
        self.root, self.config_dir, self.log = root, config_dir, log
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> "JupyterLab":
        scripts = str(Path(sys.executable).parent)
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(self.config_dir),
                   JUPYTER_RUNTIME_DIR=str(self.log.parent / f"runtime-{self.port}"),
                   PATH=scripts + os.pathsep + os.environ.get("PATH", ""))
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={self.port}",
                   "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   f"--LabApp.workspaces_dir={self.log.parent / f'workspaces-{self.port}'}",
                   "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp: see KERNEL_READY
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}: see {self.log}")
            try:
                self.api("status", timeout=2)  # urlopen raises unless the reply is 2xx
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout:g} s: see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def api(self, path: str, method: str = "GET", timeout: float = 30):
        """The server's REST API: the decoded JSON reply of `method` /api/`path`."""
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """End every session and its kernel, as File → Shut Down All Kernels does: a
        notebook closed in the browser keeps its kernel running, and a kernel per test
        would pile up on a small machine."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def login(self, page) -> None:
        """Open JupyterLab with the token, as the link `jupyter lab` prints does."""
        page.goto(f"{self.base}/lab?token={self.token}")
        page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)


def students_jupyter(base: Path, *overlays: str) -> Path:
    """A Jupyter configuration folder as a student has it: deploy/student/, and each of
    `overlays` (folders of deploy/, e.g. "student-zh_CN") copied over it."""
    from ..conftest import ROOT

    config = base / "jupyter"
    for folder in ("student", *overlays):
        shutil.copytree(ROOT / "deploy" / folder, config, dirs_exist_ok=True)
    return config


# --- a user in JupyterLab -------------------------------------------------------------

#: The current notebook's kernel is idle.
IDLE = ("() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')"
        "?.getAttribute('data-status') === 'idle'")

#: The current notebook's session is ready and its kernel connected and idle. The
#: indicator of IDLE can say idle a moment before that; cells run then are cleared,
#: not run. (window.jupyterapp: the server runs with --LabApp.expose_app_in_browser.)
KERNEL_READY = """() => {
    const context = window.jupyterapp?.shell.currentWidget?.sessionContext;
    const kernel = context?.session?.kernel;
    return !!kernel && context.isReady && !context.isRestarting
        && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


def open_notebook(page, lab: JupyterLab, path: str) -> None:
    """Open the notebook at `path` (relative to the server's root) and wait for its kernel."""
    page.goto(f"{lab.base}/lab/tree/{path}?reset")  # ?reset: only this notebook open
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=60_000)
    page.wait_for_function(KERNEL_READY, timeout=120_000, polling=200)
    page.wait_for_function(IDLE, timeout=60_000)


def menu(page, *labels: str, attempts: int = 20) -> None:
    """Click through the menu bar: menu(page, "Run", "Run All Cells").

    JupyterLab greys out a command until the widget it acts on is current (a notebook
    just opened may not be yet), and a click on a greyed item does nothing. So the last
    item is clicked only once it is enabled: the menu is closed and opened again until
    then, for at most `attempts` half-seconds.
    """
    label = re.compile(rf"^\s*{re.escape(labels[-1])}\s*$")
    for _ in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text=labels[0]).first.click()
        for middle in labels[1:-1]:
            page.locator(".lm-Menu-itemLabel", has_text=middle).first.click()
        item = page.locator(".lm-Menu:visible .lm-Menu-item").filter(
            has=page.locator(".lm-Menu-itemLabel", has_text=label)).first
        item.wait_for(state="visible")
        if "lm-mod-disabled" not in (item.get_attribute("class") or ""):
            item.click()
            return
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    raise AssertionError(f"menu {' → '.join(labels)} stayed disabled for {attempts / 2:g} s")


def menu_items(page, label: str) -> list[str]:
    page.locator(".lm-MenuBar-itemLabel", has_text=label).first.click()
    items = [t.strip() for t in page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()]
    page.keyboard.press("Escape")
    return [t for t in items if t]


RUNNING = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
    .some(p => /[*\\d]/.test(p.textContent))"""


#: JupyterLab's own commands, for a JupyterLab whose menus are in another language.
COMMAND = "(id) => window.jupyterapp.commands.execute(id)"


def run_all(page, seconds: float = RUN_ALL_SECONDS, by_command: bool = False) -> None:
    """Run → Run All Cells (or its command, in a JupyterLab in another language), and
    wait until every cell has run."""
    if by_command:
        page.evaluate(COMMAND, "notebook:run-all-cells")
    else:
        menu(page, "Run", "Run All Cells")
    try:  # a run that starts shows [*] or a number in some prompt at once
        page.wait_for_function(RUNNING, timeout=30_000, polling=200)
    except PlaywrightTimeout:
        raise AssertionError("Run All Cells was clicked but no cell started within 30 s") from None
    # A queued or running cell shows [*]; a cell that ran shows its number. The last
    # code cell runs last, so the notebook is done when it has a number and none has *.
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
                .map(p => p.textContent);
            const status = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')
                ?.getAttribute('data-status');
            return status === 'idle' && prompts.length > 0 && !prompts.some(p => p.includes('*'))
                && /\\d/.test(prompts[prompts.length - 1]);
        }""", timeout=seconds * 1000, polling=500)


def save(page, path: Path, by_command: bool = False):
    """File → Save Notebook (or its command); return the saved notebook."""
    before = path.stat().st_mtime_ns
    if by_command:
        page.evaluate(COMMAND, "docmanager:save")
    else:
        menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.stat().st_mtime_ns != before:
            try:  # the server may still be writing it
                return nbformat.read(path, as_version=4)
            except (nbformat.reader.NotJSONError, ValueError):
                pass
        time.sleep(0.2)
    raise AssertionError(f"{path.name} was not saved within 30 s")


def errors(nb) -> list[tuple[str, str]]:
    """(ename, evalue) of every error output of a saved notebook."""
    return [(out.ename, out.evalue[:200]) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "error"]


def unexecuted(nb) -> list[str]:
    """Ids of code cells that did not run."""
    return [cell.get("id", "?") for cell in nb.cells
            if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None]
