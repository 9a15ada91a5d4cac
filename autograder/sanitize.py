"""What a submission may show in a browser: its Markdown and rich outputs made inert.

`SanitizeStudentContent` (an nbgrader preprocessor, listed in nbgrader_config.py for
autograde and for feedback) cleans the notebook before it is saved, so the formgrader,
the feedback page and JupyterLab all show the cleaned content. The cleaning itself is
nh3's (Ammonia), with the course's allowlist below.
"""
from __future__ import annotations

import html
import re

import nh3
from bs4 import BeautifulSoup
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from .exporters import Remembered


#: Elements kept in a student's HTML: text structure, tables, links, images. No script,
#: style, SVG, MathML, frame, object, form, input or meta; their content goes with them
#: where it is code or a frame's or object's fallback, and stays as text otherwise.
_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
_DROPPED_WITH_CONTENT = {"script", "style", "svg", "math", "template", "noscript", "textarea",
                         "select", "title", "xmp", "noembed", "noframes", "object", "iframe"}
#: No class, id, name or style: a student's markup can neither look like nor be found as
#: a part of the grading page.
_ATTRIBUTES = {
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height", "align"},
    "abbr": {"title"}, "bdo": {"dir"}, "blockquote": {"cite"}, "q": {"cite"},
    "del": {"cite", "datetime"}, "ins": {"cite", "datetime"}, "ol": {"start"},
    "td": {"align", "colspan", "rowspan"}, "th": {"align", "colspan", "rowspan", "scope"},
    "col": {"span"}, "colgroup": {"span"}, "table": {"align"}, "hr": {"width"},
}
#: URL schemes a link or image may have; relative URLs stay. data: is allowed only for
#: an <img> of an image type (see _attribute), which is how attachments are shown; an
#: image runs no script, an SVG one neither.
_SCHEMES = {"http", "https", "mailto", "attachment", "data"}
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]")
_ASCII_SPACE = re.compile(r"[\x00-\x20]+")


#: nbconvert's templates strip this prefix from URLs (`strip_files_prefix`), so a URL is
#: judged by what follows it: `files/javascript:...` becomes `javascript:...` in the page.
_FILES_PREFIX = re.compile(r"^(/?files/)+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name not in ("href", "src", "cite"):
        return value
    # A browser ignores ASCII whitespace and control characters inside a URL's scheme.
    raw = _FILES_PREFIX.sub("", _ASCII_SPACE.sub("", value).lower())
    scheme = _SCHEME.match(raw)
    if scheme and scheme.group(1) == "data":
        return value if tag == "img" and name == "src" and _IMAGE_DATA.match(raw) else None
    if scheme and scheme.group(1) not in _SCHEMES:
        return None
    return value


def clean_html(text: str, link_rel: str | None = "noopener noreferrer nofollow") -> str:
    """`text` with only what a student may show: nh3 (Ammonia) with the course's allowlist."""
    return nh3.clean(text, tags=_TAGS, clean_content_tags=_DROPPED_WITH_CONTENT,
                     attributes=_ATTRIBUTES, attribute_filter=_attribute, url_schemes=_SCHEMES,
                     strip_comments=True, link_rel=link_rel)


def _render(source: str, attachments: dict | None = None, **options) -> str:
    """Markdown to HTML as nbconvert renders a markdown cell (mistune, math kept as $...$)."""
    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, **options)
    return MarkdownWithMath(renderer=renderer).render(source)


#: Markdown constructs whose HTML nbconvert builds itself and escapes: a cell made only
#: of these (and links whose URLs the allowlist keeps) is left as it was written. Not
#: headings: nbconvert gives each an id from its text, and a student's `# tests_for_x`
#: would take the id of the formgrader's score field for that grade.
_PLAIN = {"paragraph", "text", "emphasis", "strong", "codespan", "linebreak",
          "softbreak", "blank_line", "thematic_break", "block_text", "block_quote", "list",
          "list_item", "task_list_item", "block_code", "table", "table_head", "table_body",
          "table_row", "table_cell", "strikethrough", "def_list", "def_list_head",
          "def_list_item", "block_math", "inline_math", "latex_environment", "multiline_math",
          "link", "image"}


def _tokens(tokens):
    for token in tokens:
        yield token
        if isinstance(token.get("children"), list):
            yield from _tokens(token["children"])


def _urls(page: str) -> list[tuple[str, str, str]]:
    soup = BeautifulSoup(page, "html.parser")
    return [(tag.name, name, tag[name]) for tag in soup.find_all(True)
            for name in ("href", "src") if tag.has_attr(name)]


def _is_plain_markdown(source: str, attachments: dict | None) -> bool:
    for token in _tokens(MarkdownWithMath(renderer=None)(source)):
        if token.get("type") not in _PLAIN:
            return False  # raw HTML, or a construct not known to be escaped
        info = (token.get("attrs") or {}).get("info") or ""
        if token["type"] == "block_code" and info.strip().lower().startswith("mermaid"):
            return False  # nbconvert writes a mermaid block's source into the page as it is
    page = _render(source, attachments, exclude_anchor_links=True)
    return _urls(page) == _urls(clean_html(page, link_rel=None))


def _without_blank_lines(text: str) -> str:
    # A blank line would end the HTML block: what follows would be read as Markdown again
    # (text that was inert inside a removed tag could become a link). An empty <span>
    # shows nothing, also inside <pre>.
    return "\n".join(line + "<span></span>" if not line.strip() else line
                      for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _is_clean_when_rendered(source: str, attachments: dict | None) -> bool:
    page = _render(source, attachments)
    return clean_html(page).rstrip() == page.rstrip()


#: Sanitized sources (without attachments) are kept per process: the chapter's prose
#: is the same in every submission (it is not an nbgrader cell, so not locked), and is
#: sanitized twice for each (autograde, then feedback).
_SANITIZED = Remembered()


def sanitize_markdown(source: str, attachments: dict | None = None) -> str:
    """A markdown cell's source that shows nothing active in nbconvert's pages or JupyterLab.

    Plain Markdown (no HTML in it, every URL one the allowlist keeps) is returned as it
    is, and so is a source that already renders to clean HTML (a cell sanitized before).
    Anything else is rendered as nbconvert renders it, cleaned with nh3, and returned as
    one HTML block: Markdown passes raw HTML through, so it shows the same, math included.
    """
    if attachments:
        return _sanitize(source, attachments)
    return _SANITIZED.get_or_make((source,), lambda: _sanitize(source, None))


def _sanitize(source: str, attachments: dict | None) -> str:
    try:
        if _is_plain_markdown(source, attachments) or _is_clean_when_rendered(source, attachments):
            return source
        page = clean_html(_render(source, attachments, exclude_anchor_links=True))
        cleaned = f"<div>\n{_without_blank_lines(page.strip())}\n</div>"
    except Exception:  # noqa: BLE001 (mistune cannot render it: a missing attachment, ...)
        cleaned = None
    if cleaned is not None and _is_clean_when_rendered(cleaned, None):
        return cleaned
    # Not expected: shown as the text it is.
    escaped = _without_blank_lines(html.escape(source, quote=False))
    return f"<div>\n<pre>{escaped}</pre>\n</div>"


#: Outputs shown as they are: nbconvert and JupyterLab show them as text or as images.
_SAFE_OUTPUTS = {"text/plain", "text/latex", "application/json", "image/png", "image/jpeg", "image/gif"}
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_IMAGE_METADATA = {"width": (int, float), "height": (int, float), "unconfined": (bool,),
                   "alt": (str,), "needs_background": (str,)}


def _image_metadata(metadata: dict) -> dict:
    # nbconvert writes width and height into an unquoted attribute: numbers only.
    return {k: v for k, v in metadata.items() if k in _IMAGE_METADATA
            and isinstance(v, _IMAGE_METADATA[k]) and (k == "unconfined" or not isinstance(v, bool))}


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def without_lone_surrogates(node):
    """`node` (a notebook) with every lone surrogate in its strings replaced by "?".

    JSON's \\ud800 escape reads as a string no UTF-8 file can hold: an answer's source, a
    message its code raised or a printed line with one would make the graded notebook
    unwritable, and the whole submission ungraded."""
    def clean(text):
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            return text.encode("utf-8", "replace").decode("utf-8")

    stack = [node]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, value in list(pairs):
            if isinstance(value, str):
                item[key] = clean(value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
        if isinstance(item, dict):
            for key in [k for k in item if isinstance(k, str) and clean(k) != k]:
                item[clean(key)] = item.pop(key)
    return node


class SanitizeStudentContent(NbGraderPreprocessor):
    """Make what a student wrote or displayed inert wherever the graded notebook is shown.

    The formgrader renders the autograded notebook in the instructor's Jupyter server,
    and the feedback page is made from it; nbconvert writes markdown cells' HTML and
    text/html outputs into those pages as they are, so a written answer with a
    <script>, an onerror attribute or a javascript: link would run as the instructor.
    This step, after execution, leaves the instructor's locked cells alone (as the
    gradebook has them, when there is one) and, elsewhere:

    - keeps a markdown or raw cell that is plain Markdown (or already clean) byte for
      byte; any other is rendered as nbconvert renders it (mistune, so the Markdown
      links and math are seen as the browser will see them), cleaned with nh3 (Ammonia)
      against an allowlist (no script, event handler, style, SVG, frame, object, form
      or meta; only http(s), mailto, relative and attachment URLs, and data: only as
      an image's source), and put back as one HTML block, which renders the same, math
      included;
    - keeps text, LaTeX, JSON and raster image outputs (with width and height only if
      numbers), cleans text/html and text/markdown the same way, and removes every other
      kind (JavaScript, SVG, widget views, unknown types) with a note in its place;
    - drops the notebook's saved widget state, which would load the widget manager and
      render HTML widgets in the feedback page, and any execution count or stream name
      that is not what nbformat allows (they are written into the page unescaped).

    It runs in autograde (so the notebook on disk, the formgrader and JupyterLab show
    clean content) and again in generate_feedback, for notebooks graded before it.
    """

    def preprocess(self, nb, resources):
        self._instructor = self._locked_sources(resources)
        nb.metadata.pop("widgets", None)
        nb, resources = super().preprocess(nb, resources)
        return without_lone_surrogates(nb), resources

    def _locked_sources(self, resources) -> dict[str, str] | None:
        """grade_id -> source of the gradebook's locked cells, None without a gradebook."""
        info = (resources or {}).get("nbgrader", {})
        if not all(info.get(k) for k in ("db_url", "notebook", "assignment")):
            return None
        from nbgrader.api import Gradebook

        try:
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
                return {cell.name: cell.source for cell in notebook.source_cells if cell.locked}
        except Exception as exc:  # noqa: BLE001 (grading goes on without it)
            self.log.warning("gradebook not read (%s): locked cells are taken from their metadata", exc)
            return None

    def _is_instructors(self, cell) -> bool:
        if not utils.is_locked(cell) or utils.is_solution(cell):
            return False
        if self._instructor is None:
            return True
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        return self._instructor.get(grade_id) == _text(cell.source)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            if not isinstance(cell.get("execution_count"), int) or isinstance(cell.execution_count, bool):
                cell.execution_count = None
            cell.outputs = [out for out in (self._output(o) for o in cell.get("outputs", [])) if out]
        elif self._is_instructors(cell):
            pass
        elif cell.cell_type == "markdown":
            source = _text(cell.source)
            cleaned = sanitize_markdown(source, cell.get("attachments"))
            if cleaned != source:
                self.log.warning("cell %s: markup of the submission removed from a markdown cell", index)
                cell.source = cleaned
        elif cell.cell_type == "raw":
            # nbconvert's HTML pages include raw cells as HTML.
            source = _text(cell.source)
            if clean_html(source, link_rel=None) != source:
                cell.source = clean_html(source)
        return cell, resources

    def _output(self, output):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") not in ("stdout", "stderr"):
                output["name"] = "stdout"
            output["text"] = _text(output.get("text", ""))
            return output
        if kind == "error":
            output["ename"], output["evalue"] = _text(output.get("ename", "")), _text(output.get("evalue", ""))
            lines = output.get("traceback", [])
            output["traceback"] = [_text(line) for line in (lines if isinstance(lines, list) else [lines])]
            return output
        if kind not in ("display_data", "execute_result"):
            return None
        if kind == "execute_result" and (not isinstance(output.get("execution_count"), int)
                                         or isinstance(output.get("execution_count"), bool)):
            output["execution_count"] = None
        data, removed = output.get("data", {}), []
        for mime in list(data):
            value = data[mime]
            if mime in ("image/png", "image/jpeg", "image/gif"):
                if not _BASE64.fullmatch(_text(value)):
                    removed.append(mime)
                    del data[mime]
            elif mime in _SAFE_OUTPUTS:
                pass
            elif mime == "text/html":
                data[mime] = clean_html(_text(value))
            elif mime == "text/markdown":
                data[mime] = sanitize_markdown(_text(value))
            else:
                removed.append(mime)
                del data[mime]
        metadata = output.get("metadata", {})
        output["metadata"] = {**_image_metadata(metadata),
                              **{m: _image_metadata(metadata[m]) for m in data
                                 if m.startswith("image/") and isinstance(metadata.get(m), dict)}}
        if removed and not set(data) - {"text/plain"}:
            data["text/plain"] = f"[{', '.join(removed)} output removed: not shown, for safety]"
        return output
