"""An instructor in JupyterLab: the formgrader shows the graded sample class, one
submission with its test results, and the feedback page the student gets; nothing a
hostile student wrote or displayed runs in the instructor's browser.

JupyterLab runs in a scratch copy of the course root, with nbgrader's extensions as
`pip install` enables them, after `autograder sample` and `autograder grade`.
"""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import jupyter_server_mathjax
import nbformat
import pytest
from matplotlib.figure import Figure

from autograder.notebook import answer_cells

from ..autograder.test_sanitize import markup
from ..conftest import autograder, copy_course, keep_samples
from .conftest import shoot
from .lab import JupyterLab, menu

CHAPTER = "01_numerical"
#: A student whose written answer, an added cell and an answer's outputs carry payloads.
HOSTILE = "mallory_markup"
STUDENTS = {"instructor", "cleo_one_sided", "untouched", HOSTILE}
pytestmark = pytest.mark.browser

#: The hostile student's written answer begins with this (graded content to read).
WRITTEN = "Round-off and truncation balance where the curve turns"


def probe(n: int) -> str:
    """JavaScript that leaves a trace if it runs: a request, local storage, the title, a global."""
    return (f"fetch('/xss-probe-{n}');localStorage.setItem('xss','{n}');"
            f"document.title='pwned';window.top.__xss={n}")


def _offset(start: int):
    return lambda n: probe(start + n)


def plot_png() -> str:
    """A small line plot, as base64 PNG."""
    figure = Figure(figsize=(3, 2), dpi=80)
    figure.add_subplot().plot([0, 1, 2], [0, 1, 4])
    png = io.BytesIO()
    figure.savefig(png, format="png")
    return base64.b64encode(png.getvalue()).decode()


def write_hostile_submission(course: Path) -> None:
    """submitted/<HOSTILE>/<CHAPTER>/: the student notebook, with payloads in the written
    answer, in a markdown cell of its own, and in what an answer cell displays."""
    name = "numerical.ipynb"
    nb = nbformat.read(course / "course" / CHAPTER / name, as_version=4)
    meta = [cell.metadata.get("nbgrader", {}) for cell in nb.cells]
    written = next(i for i, (cell, m) in enumerate(zip(nb.cells, meta)) if cell.cell_type == "markdown"
                   and m.get("solution") and m.get("grade") and m.get("grade_id", "").startswith("written"))
    answer = next(cell for cell, m in zip(nb.cells, meta) if cell.cell_type == "code"
                  and m.get("grade_id") == "forward_difference")
    nb.cells[written].source = (
        f"{WRITTEN}, where the error is about $x^2$ for $x = \\sqrt{{h}}$:\n\n"
        f"$$\\int_0^1 x\\,dx = \\frac{{1}}{{2}}$$\n\n" + "\n\n".join(markup(probe)))
    nb.cells.insert(written + 1, nbformat.v4.new_markdown_cell(
        "An added cell.\n\n" + "\n\n".join(markup(_offset(100)))))
    html = "\n".join(markup(_offset(300)))
    markdown = "\n\n".join(markup(_offset(400)))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" onload="{probe(201)}">'
           f"<script>{probe(202)}</script><circle r='4'/></svg>")
    answer.source = "\n".join([
        "import base64",
        "",
        "import ipywidgets",
        "from IPython.display import HTML, SVG, Image, Javascript, Markdown, display",
        "",
        f"display(HTML({html!r}))",
        f"display(Javascript({probe(200)!r}))",
        f"display(Markdown({markdown!r}))",
        f"display(SVG({svg!r}))",
        f"display(ipywidgets.HTML(value={markup(_offset(500))[0]!r}))",
        f"display(Image(base64.b64decode({plot_png()!r})))  # a plot",
        "",
        "",
        "def forward_difference(f, x, h=1e-6):",
        "    return (f(x + h) - f(x)) / h",
    ])
    folder = course / "submitted" / HOSTILE / CHAPTER
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / name)


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("instructor")
    (base / "course").mkdir()
    course = copy_course(base / "course", built=True)
    keep_samples(course, CHAPTER, STUDENTS)
    autograder(course, "sample", CHAPTER)
    write_hostile_submission(course)
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
    # The chapter's row (not its Chinese edition's, 01_numerical_zh: an assignment of its own).
    row = formgrader.locator("tr").filter(has=formgrader.locator("td", has_text=re.compile(rf"^\s*{CHAPTER}\s*$")))
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


# --- a hostile submission, as the instructor sees it ------------------------------------

_MATHJAX = Path(jupyter_server_mathjax.__file__).parent / "static"
_CDN_MATHJAX = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/2\.7\.7/([^?]*)")
#: nbconvert's pages load MathJax 2 with `latest.js?config=TeX-AMS_CHTML-full,Safe`, which
#: loads MathJax.js beside it with the same query.
_LATEST = ("(function () { var s = document.createElement('script');"
           " s.src = document.currentScript.src.replace('latest.js', 'MathJax.js');"
           " document.head.appendChild(s); })();")


def serve_mathjax_offline(context) -> None:
    """The pages' MathJax from the copy jupyter_server_mathjax ships (no network here);
    every other request off this machine fails at once."""

    def handle(route):
        found = _CDN_MATHJAX.match(route.request.url)
        if not found:
            return route.abort()
        path = found.group(1)
        if path == "latest.js":
            return route.fulfill(body=_LATEST, content_type="application/javascript")
        if path == "config/TeX-AMS_CHTML-full.js":  # the combined configuration shipped
            body = (_MATHJAX / "config" / "TeX-AMS-MML_HTMLorMML-full.js").read_text(encoding="utf-8")
            body = body.replace("TeX-AMS-MML_HTMLorMML-full.js", "TeX-AMS_CHTML-full.js")
            fonts = 'MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], webFont: "STIX-Web", imageFont: null}});'
            return route.fulfill(body=fonts + body, content_type="application/javascript")
        file = _MATHJAX / path
        if not file.is_file():
            return route.fulfill(status=404, body="")
        kind = "application/javascript" if file.suffix == ".js" else None
        return route.fulfill(path=str(file), **({"content_type": kind} if kind else {}))

    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), handle)


#: The rendered written answer holds typeset math (MathJax 2 in nbconvert's pages,
#: MathJax 3 in JupyterLab), and every image has loaded or failed.
TYPESET = """(marker) => {
    const cell = [...document.querySelectorAll('.text_cell_render, .jp-MarkdownOutput')]
        .find(e => e.textContent.includes(marker));
    return !!cell && !!cell.querySelector('.MathJax, .MathJax_Display, mjx-container')
        && !cell.textContent.includes('$x^2$') && [...document.images].every(i => i.complete);
}"""

#: Attributes that hold a payload, a script URL or an HTML data URL.
SUSPECT = """() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
    .filter(a => a.value.includes('xss-probe') || /^\\s*(javascript|vbscript):/i.test(a.value)
        || /^\\s*data:text\\/html/i.test(a.value))
    .map(a => `<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 80)}">`))"""

#: What a payload would have left in a frame it ran in (local storage may be refused).
TRACES = """() => {
    let stored = null;
    try { stored = localStorage.getItem('xss'); } catch (e) { }
    return {title: document.title === 'pwned', global: window.__xss !== undefined, stored};
}"""


def assert_inert(page, probes: list[str], where: str) -> None:
    assert not probes, f"{where}: a payload ran and fetched {probes}"
    for frame in page.frames:
        if frame.is_detached():
            continue
        traces = frame.evaluate(TRACES)
        assert traces == {"title": False, "global": False, "stored": None}, f"{where}, {frame.url[:80]}: {traces}"
        suspect = frame.evaluate(SUSPECT)
        assert not suspect, f"{where}, {frame.url[:80]}: {suspect[:5]}"


def test_nothing_a_student_wrote_runs_in_the_instructors_browser(page, instructor_lab, request):
    lab = instructor_lab
    probes: list[str] = []
    page.context.on("request", lambda r: probes.append(r.url) if "/xss-probe-" in r.url else None)
    serve_mathjax_offline(page.context)
    lab.login(page)

    # The formgrader's page of the hostile submission, where the written answer is graded.
    page.goto(f"{lab.base}/formgrader/gradebook/{CHAPTER}/numerical")
    page.get_by_text("Show All Names").click()
    page.locator("tr", has_text=HOSTILE).get_by_role("link").first.click()
    page.get_by_text(WRITTEN).first.wait_for(state="visible")
    page.wait_for_function(TYPESET, arg=WRITTEN, polling=200)
    assert page.locator(f"a[href*='autograded/{HOSTILE}/']").count() > 0, "the hostile submission"
    assert page.locator(".output_png img").first.is_visible(), "the plot is shown"
    page.get_by_text(WRITTEN).first.scroll_into_view_if_needed()
    shoot(page, request.node.name, "1-formgrader")
    assert_inert(page, probes, "formgrader")

    # The feedback page in JupyterLab's HTML viewer, then trusted (its scripts may run).
    page.goto(f"{lab.base}/lab/tree/feedback/{HOSTILE}/{CHAPTER}/numerical.html?reset")
    viewer = page.frame_locator(".jp-HTMLViewer iframe")
    viewer.get_by_text(WRITTEN).first.wait_for(state="visible")
    viewer.get_by_text(WRITTEN).first.scroll_into_view_if_needed()
    shoot(page, request.node.name, "2-feedback-viewer")
    assert_inert(page, probes, "feedback in the HTML viewer")
    page.locator(".jp-Toolbar").get_by_text("Trust HTML", exact=True).click()
    page.wait_for_function("() => document.querySelector('.jp-HTMLViewer iframe')"
                           "?.getAttribute('sandbox')?.includes('allow-scripts')", polling=200)
    frame = page.locator(".jp-HTMLViewer iframe").element_handle().content_frame()
    frame.wait_for_function(TYPESET, arg=WRITTEN, polling=200)
    viewer.get_by_text(WRITTEN).first.scroll_into_view_if_needed()
    shoot(page, request.node.name, "3-feedback-viewer-trusted")
    assert_inert(page, probes, "feedback in the trusted HTML viewer")

    # The feedback file itself, as a link in JupyterLab opens it (the server refuses
    # /files/ to a request that names no page of its own as the referer).
    page.goto(f"{lab.base}/files/feedback/{HOSTILE}/{CHAPTER}/numerical.html", referer=f"{lab.base}/lab")
    page.get_by_text(WRITTEN).first.wait_for(state="visible")
    page.wait_for_function(TYPESET, arg=WRITTEN, polling=200)
    assert page.locator(".output_png img").first.is_visible(), "the plot is shown"
    page.get_by_text(WRITTEN).first.scroll_into_view_if_needed()
    shoot(page, request.node.name, "4-feedback-file")
    assert_inert(page, probes, "the feedback file")

    # The autograded notebook in JupyterLab, then trusted (as if its outputs were).
    page.goto(f"{lab.base}/lab/tree/autograded/{HOSTILE}/{CHAPTER}/numerical.ipynb?reset")
    cell = page.locator(".jp-MarkdownCell", has_text=WRITTEN).first
    cell.wait_for(state="attached")
    cell.scroll_into_view_if_needed()
    page.wait_for_function(TYPESET, arg=WRITTEN, polling=200)
    assert_inert(page, probes, "the autograded notebook")
    # (Not awaited: the command's promise settles when its dialog is answered.)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:trust'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function("""() => {
        const cells = window.jupyterapp.shell.currentWidget?.content?.model?.cells;
        return !!cells && [...Array(cells.length).keys()].every(i => cells.get(i).trusted);
    }""", polling=200)
    plot = page.locator(".jp-RenderedImage img[src^='data:image/png']").first
    plot.scroll_into_view_if_needed()
    assert plot.is_visible(), "the plot is shown"
    cell.scroll_into_view_if_needed()
    shoot(page, request.node.name, "5-autograded-notebook")
    assert_inert(page, probes, "the trusted autograded notebook")
    lab.shut_down_kernels()

    # The listener does see such a request.
    with page.context.expect_event("request", lambda r: "/xss-probe-control" in r.url):
        page.evaluate("fetch('/xss-probe-control').catch(() => null)")
    assert probes == [f"{lab.base}/xss-probe-control"]


def test_the_chapter_page_shows_how_each_exercise_worked_and_runs_nothing(page, instructor_lab, request):
    """`autograder report` on the graded class: its chapter page, opened as a file (as when
    mailed), draws its plots under its own Content-Security-Policy, counts cleo's mistake,
    and fetches and runs nothing (the hostile submission's payloads included)."""
    course = instructor_lab.root
    autograder(course, "report", CHAPTER)
    fetched: list[str] = []
    page.context.on("request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto((course / "reports" / CHAPTER / "index.html").as_uri())
    page.get_by_text("how each exercise worked").wait_for(state="visible")
    assert page.evaluate("() => document.images.length") == 2
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)", polling=200)
    summary = page.locator("summary", has_text="a one-sided difference")
    assert summary.inner_text().startswith("1 student: a one-sided difference")
    summary.click()
    assert page.locator("details[open]", has_text="cleo_one_sided").count() == 1
    exercises = len(list(answer_cells(nbformat.read(course / "solutions" / CHAPTER / "numerical.ipynb", as_version=4))))
    assert page.locator("table").first.locator("tr").count() == 1 + exercises  # a header, a row each
    shoot(page, request.node.name, "1-chapter-page", full_page=True)
    assert_inert(page, fetched, "the chapter page")
