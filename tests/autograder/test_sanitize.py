"""SanitizeStudentContent: nothing a student wrote or displayed is active in the pages
that show the graded notebook (nbconvert's classic page, nbgrader's feedback and
formgrade templates), while text, math and plots still show."""
from __future__ import annotations

import base64
import copy
import os
import re
import sys
from pathlib import Path

import nbgrader
import pytest
from bs4 import BeautifulSoup, Comment
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)
from traitlets.config.loader import PyFileConfigLoader

from autograder.exporters import FeedbackHTMLExporter
from autograder.preprocessors import LimitOutputSize
from autograder.sanitize import SanitizeStudentContent, sanitize_markdown

from ..conftest import ROOT

#: Marks every payload: it may be shown as text, never in a script, a style or an attribute.
TOKEN = "zzxsstoken"
TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
#: A 1x1 PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def markup(js) -> list[str]:
    """Markdown and HTML that would run `js(n)` (JavaScript with no double quote or
    space) if a page showed it as it is; payload n calls js(n)."""
    snippets = [
        lambda j: f'<img src=x onerror="{j}">',
        lambda j: f"<script>{j}</script>",
        lambda j: f'<svg onload="{j}"><circle r="4"/></svg>',
        lambda j: f"<svg><script>{j}</script></svg>",
        lambda j: f'<svg><a xlink:href="javascript:{j}"><text y="20">svg link</text></a></svg>',
        lambda j: f'<a href="javascript:{j}">html link</a>',
        lambda j: f"[markdown link](javascript:{j})",
        lambda j: f"[entity link](javascript&#58;{j})",
        lambda j: f'<a href="java&#x09;script:{j}">tab link</a>',
        lambda j: f'<a href="vbscript:{j}">vbscript link</a>',
        lambda j: f"<javascript:{j}>",
        lambda j: f'<iframe srcdoc="<script>{j}</script>"></iframe>',
        lambda j: f'<iframe src="javascript:{j}"></iframe>',
        lambda j: f"<iframe>[framed](javascript:{j})</iframe>",
        lambda j: f'<object data="javascript:{j}"></object>',
        lambda j: f'<embed src="javascript:{j}">',
        lambda j: f'<form action="javascript:{j}"><button formaction="javascript:{j}">go</button></form>',
        lambda j: f'<meta http-equiv="refresh" content="0;url=javascript:{j}">',
        lambda j: f'<base href="javascript:{j}//">',
        lambda j: f'<link rel="stylesheet" href="javascript:{j}">',
        lambda j: f'<style>@import url("javascript:{j}"); p {{ width: expression({j}); }}</style>',
        lambda j: f"<div style=\"background:url('javascript:{j}')\">styled</div>",
        lambda j: f'<a href="data:text/html,<script>{j}</script>">data link</a>',
        lambda j: "[data markdown link](data:text/html;base64,"
                  + base64.b64encode(f"<script>{j}</script>".encode()).decode() + ")",
        lambda j: f'```mermaid\n<img src=x onerror="{j}">\n```',
        lambda j: f'<math><maction actiontype="statusline" xlink:href="javascript:{j}">m</maction></math>',
        lambda j: f'<noscript><p title="</noscript><img src=x onerror={j}>"></noscript>',
        lambda j: f'<!-- --!><img src=x onerror="{j}"> -->',
        lambda j: f'<details open ontoggle="{j}">details</details>',
        lambda j: f'<input autofocus onfocus="{j}">',
        lambda j: f'<video><source onerror="{j}"></video>',
        lambda j: f'<table><tr><td background="javascript:{j}">cell</td></tr></table>',
        lambda j: f'<textarea><img src=x onerror="{j}"></textarea>',
        lambda j: f"A link in math: $\\href{{javascript:{j}}}{{h}}$ (MathJax's Safe extension drops it).",
    ]
    return [snippet(js(n)) for n, snippet in enumerate(snippets, 1)]


def unit_js(n: int) -> str:
    return f"{TOKEN}{n}()"


WRITTEN = "My answer: the error is $x^2$ small, and\n\n$$\\int_0^1 x\\,dx$$\n\n"
INSTRUCTOR = '<details><summary>Hint</summary><div class="alert">Look at $h$.</div></details>'
PLAIN = "Notes:\n\nA *plain* cell with [a link](https://numpy.org), `code` and $f'(x)$."


def hostile_notebook():
    payloads = markup(unit_js)
    nb = new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {"abc": {"model_name": "HTMLModel", "state": {"value": payloads[0]}}}}}
    nb.cells = [
        new_markdown_cell(INSTRUCTOR, metadata={"nbgrader": {
            "grade": False, "grade_id": "intro", "locked": True, "schema_version": 3,
            "solution": False, "task": False}}),
        new_markdown_cell(WRITTEN + "\n\n".join(payloads), metadata={"nbgrader": {
            "grade": True, "grade_id": "written_v_shape", "locked": False, "points": 2,
            "schema_version": 3, "solution": True, "task": False}}),
        new_markdown_cell("\n\n".join(payloads)),
        new_markdown_cell(PLAIN),
        new_raw_cell("\n".join(payloads)),
        new_raw_cell("\n".join(payloads), metadata={"raw_mimetype": "text/html"}),
        new_code_cell("show()", execution_count=1, outputs=[
            new_output("display_data", {"text/html": "\n".join(payloads), "text/plain": "<HTML>"}),
            new_output("display_data", {"text/markdown": "\n\n".join(payloads)}),
            new_output("display_data", {"application/javascript": unit_js(100)}),
            new_output("display_data", {"image/svg+xml": f'<svg onload="{unit_js(101)}">'
                                                         f"<script>{unit_js(102)}</script></svg>"}),
            new_output("display_data", {"application/vnd.jupyter.widget-view+json": {
                "model_id": "abc", "version_major": 2, "version_minor": 0}, "text/plain": "HTML()"}),
            new_output("display_data", {"application/x-unknown": f"<b>{unit_js(103)}</b>"}),
            new_output("display_data", {"image/png": PNG}, metadata={"image/png": {"width": 320}}),
            new_output("display_data", {"image/png": PNG},
                       metadata={"image/png": {"width": f"1 onload={unit_js(104)}"}}),
            new_output("display_data", {"image/png": f'"><script>{unit_js(105)}</script>'}),
            new_output("display_data", {"text/latex": f"<script>{unit_js(106)}</script> $y^3$"}),
            new_output("execute_result", {"text/plain": "1"}, execution_count=1),
            new_output("stream", name=f'stdout" onmouseover="{unit_js(108)}', text="printed\n"),
        ]),
    ]
    # A kernel sends these (nbclient writes them as they come): not what nbformat allows.
    nb.cells[-1].outputs[10].execution_count = f'<img src=x onerror="{unit_js(107)}">'
    nb.cells[-1].execution_count = f'<img src=x onerror="{unit_js(109)}">'
    return nb


def sanitized():
    nb = hostile_notebook()
    nb, _ = SanitizeStudentContent().preprocess(nb, {})
    return nb


def _pages(nb) -> dict[str, str]:
    nbgrader_info = {"notebook": "numerical", "score": 1.0, "max_score": 2.0, "late_penalty": 0}
    feedback = FeedbackHTMLExporter(template_name="feedback", extra_template_basedirs=[str(TEMPLATES)],
                                    extra_template_paths=[str(TEMPLATES.parent / "static" / "node_modules"
                                                              / "bootstrap" / "dist" / "css")])
    formgrade = HTMLExporter(template_name="formgrade", extra_template_basedirs=[str(TEMPLATES)])
    formgrade_resources = {"assignment_id": "01_numerical", "notebook_id": "numerical",
                           "submission_id": "s1", "index": 0, "total": 1, "base_url": "",
                           "student": "mallory", "last_name": None, "first_name": None,
                           "notebook_path": "/autograded/mallory/01_numerical/numerical.ipynb"}
    graded = copy.deepcopy(nb)  # as nbgrader's GetGrades leaves it
    for cell in graded.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader.score = 0.0
    return {
        "classic": HTMLExporter(template_name="classic").from_notebook_node(nb)[0],
        "feedback": feedback.from_notebook_node(graded, {"nbgrader": nbgrader_info})[0],
        "formgrade": formgrade.from_notebook_node(nb, formgrade_resources)[0],
    }


@pytest.fixture(scope="module")
def pages():
    return _pages(sanitized())


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "background", "xlink:href",
                  "poster", "cite", "content"}
ACTIVE_TAGS = ["script", "iframe", "frame", "object", "embed", "applet", "form", "input", "button",
               "meta", "base", "link", "style", "svg", "math", "video", "audio", "source", "textarea",
               "template", "portal"]


def _container(page: str):
    soup = BeautifulSoup(page, "html.parser")
    return soup, soup.find(id="notebook-container")


@pytest.mark.parametrize("template", ["classic", "feedback", "formgrade"])
def test_no_payload_is_active_in_any_page(pages, template):
    page = pages[template]
    soup, container = _container(page)
    assert container is not None and container.find(class_="cell") is not None
    # Whatever a parser makes of it (a browser closes a comment at "--!>"), a token never
    # stands inside a tag, nor in a comment.
    inside = re.findall(rf"<[^<>]*{TOKEN}[^<>]*>?", page)
    assert not inside, f"a payload inside a tag: {inside[:3]}"
    comments = [c for c in soup.find_all(string=lambda s: isinstance(s, Comment)) if TOKEN in c]
    assert not comments, comments[:3]
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            assert TOKEN not in value, f"a payload in an attribute: <{tag.name} {name}={value!r}>"
            if name in URL_ATTRIBUTES:
                bare = re.sub(r"[\x00-\x20]+", "", value).lower()
                assert not bare.startswith(("javascript:", "vbscript:", "data:text/html")), (tag.name, value)
        if tag.name in ("script", "style"):
            assert TOKEN not in tag.get_text(), f"a payload in a <{tag.name}>: {tag.get_text()[:200]!r}"
    for tag in container.find_all(True):
        assert not any(name.lower().startswith("on") for name in tag.attrs), tag
    # The formgrader's own score and comment fields sit in each graded cell's heading and footer.
    found = [tag.name for tag in container.find_all(ACTIVE_TAGS)
             if not tag.find_parent(class_=["panel-heading", "panel-footer"])]
    assert not found, f"active elements in the notebook: {found}"


@pytest.mark.parametrize("template", ["classic", "feedback", "formgrade"])
def test_the_page_still_shows_the_answer_its_math_and_its_plot(pages, template):
    _, container = _container(pages[template])
    text = container.get_text()
    assert "My answer: the error is $x^2$ small" in text
    assert "$$\\int_0^1 x\\,dx$$" in text
    assert "$f'(x)$" in text and "numpy.org" in container.decode()
    pngs = container.find_all("img", src=re.compile(r"^data:image/png;base64,"))
    assert [img.get("width") for img in pngs] == ["320", None], "both plots shown, the bad width dropped"
    assert "output removed" in text, "the removed output says so"
    assert "html link" in text and "markdown link" in text, "link texts stay readable"


def test_instructor_and_plain_cells_are_left_byte_for_byte():
    nb = sanitized()
    assert nb.cells[0].source == INSTRUCTOR
    assert nb.cells[3].source == PLAIN
    assert "written_v_shape" in nb.cells[1].metadata["nbgrader"]["grade_id"]
    for source in ("YOUR ANSWER HERE", "a < b, $a<b$ and \"quotes\" aren't HTML",
                   "| a | b |\n|:-|-:|\n| 1 | 2 |", "- [x] done\n\n> quoted", "```python\nx = 1\n\ny = 2\n```",
                   "[relative](other.ipynb), [anchor](#top), <https://example.org>, ![p](attachment:p.png)"):
        assert sanitize_markdown(source, {"p.png": {"image/png": PNG}}) == source
    # An image runs no script, an SVG one neither: an SVG attachment stays an image.
    svg = base64.b64encode(f"<svg xmlns='http://www.w3.org/2000/svg'><script>{unit_js(1)}</script></svg>"
                           .encode()).decode()
    assert sanitize_markdown("![d](attachment:d.svg)", {"d.svg": {"image/svg+xml": svg}}) == "![d](attachment:d.svg)"


def test_outputs_keep_what_is_inert_and_lose_the_rest():
    nb = sanitized()
    outputs = nb.cells[-1].outputs
    kinds = [sorted(o.get("data", {})) or o.output_type for o in outputs]
    assert kinds[2] == kinds[3] == kinds[4] == kinds[5] == ["text/plain"]
    assert "application/javascript" in outputs[2].data["text/plain"]
    assert "widget-view" in outputs[4].data["text/plain"], "a bare repr gives way to the note"
    assert outputs[6].metadata == {"image/png": {"width": 320}} and outputs[7].metadata == {"image/png": {}}
    assert "image/png" not in outputs[8].data
    assert outputs[9].data["text/latex"].startswith("<script>"), "LaTeX is text: nbconvert escapes it"
    assert outputs[10].execution_count is None and nb.cells[-1].execution_count is None
    assert outputs[11].name == "stdout" and outputs[11].text == "printed\n"
    assert "widgets" not in nb.metadata


def test_sanitizing_again_changes_nothing():
    once = sanitized()
    twice, _ = SanitizeStudentContent().preprocess(sanitized(), {})
    assert [c.source for c in twice.cells] == [c.source for c in once.cells]
    assert [c.get("outputs") for c in twice.cells] == [c.get("outputs") for c in once.cells]


def test_a_cell_mistune_cannot_render_is_shown_as_text():
    source = f"![missing](attachment:gone.png) <img src=x onerror={unit_js(1)}>"
    cleaned = sanitize_markdown(source, {})
    assert cleaned.startswith("<div>\n<pre>") and "onerror" in cleaned and "<img" not in cleaned


def test_it_runs_after_the_outputs_are_cut_and_again_for_feedback():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    names = [step.__name__ for step in config.Autograde.autograde_preprocessors]
    assert names.index("LimitOutputSize") < names.index("SanitizeStudentContent") < names.index("SaveAutoGradesAtOnce")
    assert config.GenerateFeedback.preprocessors[-1] is SanitizeStudentContent
    # A cut joins the start of one tag to the end of the output: text there becomes markup.
    tail = f'" onmouseover="{unit_js(1)}" title="'
    page = (f'<a href="https://example.org/{"a" * 6000}">x</a><p>{"b" * 2000}'
            f'{tail}{"c" * (5000 - len(tail) - 4)}</p>')
    nb = new_notebook(cells=[new_code_cell("show()", outputs=[new_output("display_data", {"text/html": page})])])
    nb, _ = LimitOutputSize().preprocess(nb, {})
    cut = nb.cells[0].outputs[0].data["text/html"]
    assert re.search(r'<a href="[^"]*" onmouseover="', cut), "the cut made an attribute"
    nb, _ = SanitizeStudentContent().preprocess(nb, {})
    assert TOKEN not in "".join(re.findall(r"<[^<>]*>", nb.cells[0].outputs[0].data["text/html"]))


def test_a_locked_cell_is_the_instructors_only_as_the_gradebook_has_it(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    # nbgrader creates the gradebook with alembic, which it starts by name.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        gb.add_assignment("01_numerical")
        gb.add_notebook("numerical", "01_numerical")
        gb.add_source_cell("intro", "numerical", "01_numerical", cell_type="markdown",
                           locked=True, source=INSTRUCTOR, checksum="")
    locked = {"grade": False, "locked": True, "schema_version": 3, "solution": False, "task": False}
    payload = markup(unit_js)[0]
    nb = new_notebook(cells=[
        new_markdown_cell(INSTRUCTOR, metadata={"nbgrader": {**locked, "grade_id": "intro"}}),
        new_markdown_cell(INSTRUCTOR + payload, metadata={"nbgrader": {**locked, "grade_id": "intro"}}),
        new_markdown_cell(payload, metadata={"nbgrader": {**locked, "grade_id": "not_in_the_gradebook"}}),
    ])
    resources = {"nbgrader": {"db_url": db_url, "notebook": "numerical", "assignment": "01_numerical"}}
    nb, _ = SanitizeStudentContent().preprocess(nb, resources)
    assert nb.cells[0].source == INSTRUCTOR
    assert "onerror" not in nb.cells[1].source and "onerror" not in nb.cells[2].source


def test_a_heading_of_a_student_takes_no_id_of_the_grading_page():
    # nbconvert gives a Markdown heading an id from its text; the formgrader finds each
    # grade's score field by the id of its grade_id.
    cleaned = sanitize_markdown("# tests_for_gradient\n\n## statusmessage\n\nmy answer $x^2$")
    page = BeautifulSoup(_page_of(cleaned), "html.parser")
    assert not page.find_all(id="tests_for_gradient")
    assert [tag.name for tag in page.find_all(id="statusmessage")] == ["div"], "only the page's own"
    assert not [h for h in page.find_all(["h1", "h2"]) if h.get("id")]
    assert "tests_for_gradient" in page.get_text() and "$x^2$" in page.get_text()


def test_a_url_is_judged_after_nbconvert_strips_its_files_prefix():
    for source in ("[x](files/javascript:alert(document.cookie))", "[x](/files/&#106;avascript:alert(1))",
                   "[x](files/files/vbscript:msgbox)", "![x](files/data:text/html,<script>x</script>)"):
        page = _page_of(sanitize_markdown(source))
        urls = [value for tag in BeautifulSoup(page, "html.parser").find_all(True)
                for name, value in tag.attrs.items() if name in ("href", "src")]
        assert not any(u.replace(" ", "").lower().lstrip("/").removeprefix("files/").startswith(
            ("javascript:", "vbscript:", "data:text")) for u in urls), (source, urls)
    assert sanitize_markdown("[notes](files/notes.html)") == "[notes](files/notes.html)"


def _page_of(source: str) -> str:
    """The pages nbconvert's and nbgrader's templates make of one markdown cell, together."""
    return "\n".join(_pages(new_notebook(cells=[new_markdown_cell(source)])).values())


def test_what_is_kept_between_pages_changes_no_byte_of_them():
    """Sanitized sources, highlighted code and rendered markdown are kept per process
    (the chapter's prose is the same in every submission): a page made from what was
    kept is the page made from nothing."""
    from autograder import exporters, sanitize

    hostile = hostile_notebook()  # one notebook: its cells' ids are random

    def pages() -> dict[str, str]:
        return _pages(SanitizeStudentContent().preprocess(copy.deepcopy(hostile), {})[0])

    def cold() -> dict[str, str]:
        for table in (sanitize._SANITIZED, exporters._HIGHLIGHTED, exporters._RENDERED):
            table.clear()
        return pages()

    first = cold()
    kept = [dict(table) for table in (sanitize._SANITIZED, exporters._HIGHLIGHTED, exporters._RENDERED)]
    assert all(kept), [len(table) for table in kept]
    assert pages() == first
    # Nothing was made again: the tables hold the very results of the first pages.
    again = [dict(table) for table in (sanitize._SANITIZED, exporters._HIGHLIGHTED, exporters._RENDERED)]
    assert all(a.keys() == b.keys() and all(a[k] is b[k] for k in a) for a, b in zip(kept, again))
    assert cold() == first


def test_the_tables_kept_between_pages_stay_within_their_budget():
    from autograder.exporters import Remembered

    table = Remembered(budget=1600)
    made = []
    for i in range(100):
        table.get_or_make((f"cell {i:03d} " * 5,), lambda: made.append(1) or "x" * 40)
        assert table.size <= 1600 and table.size == sum(len(k[0]) + len(v) for k, v in table.items())
    assert len(made) == 100 and 0 < len(table) < 100
    table.get_or_make(("y" * 500,), lambda: "z")  # longer than a sixteenth of the budget
    assert ("y" * 500,) not in table


def test_a_lone_surrogate_anywhere_leaves_the_graded_notebook_writable():
    """A message an answer raised, a line it printed or its source with "\\ud800" (JSON can
    hold one, UTF-8 cannot): the notebook is still written, with "?" in its place."""
    import nbformat

    bad = "x\ud800y"
    nb = new_notebook(cells=[new_code_cell(f"raise ValueError('{bad}')", outputs=[
        new_output("error", ename="ValueError", evalue=bad, traceback=[bad]),
        new_output("stream", name="stdout", text=bad)])], metadata={bad: {"k": [bad]}})
    with pytest.raises(UnicodeEncodeError):
        nbformat.writes(nb).encode("utf-8")
    cleaned, _ = SanitizeStudentContent().preprocess(nb, {})
    written = nbformat.writes(cleaned).encode("utf-8")
    assert b"x?y" in written and cleaned.cells[0].outputs[0].evalue == "x?y"
    assert cleaned.metadata == {"x?y": {"k": ["x?y"]}}
