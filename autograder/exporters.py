"""The HTML exporter of feedback pages: nbconvert's, with less work per page.

nbgrader's generate_feedback makes a new nbconvert HTMLExporter for every
notebook. Two costs are paid for each page that need not be:

- each exporter compiles its Jinja templates again (about 0.1 s a page): here the
  compiled code is shared through an in-memory bytecode cache;
- the finished page is parsed again with BeautifulSoup (about 0.1 s a page) to give
  images without one an alt text and JupyterLab's cell wrappers a tabindex.
  nbgrader's feedback template is the classic one, which has no such wrappers, so
  only the alt text is added, on the <img> tags themselves;
- the chapter's own cells, the same in every submission, are highlighted (Pygments)
  and rendered from Markdown (mistune) again for each page: here each result is kept
  for the next page, keyed by everything it depends on (the source, the language, the
  renderer's settings; a markdown cell with attachments is always rendered again).
"""
from __future__ import annotations

import re

from jinja2 import BytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)
NO_ALT = "No description has been provided for this image"


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_CACHE = _MemoryBytecodeCache()


class Remembered(dict):
    """Results kept per process, keyed by (source, settings...): at most `budget`
    characters of sources and results in all, emptied when full (the next pages fill it
    again), so that no submission's cells make the grader keep more."""

    def __init__(self, budget: int = 4_000_000):
        super().__init__()
        self.budget, self.size = budget, 0

    def get_or_make(self, key: tuple, make):
        found = self.get(key)
        if found is None:
            found = make()
            size = len(key[0]) + len(found)
            if size <= self.budget // 16:  # a very long cell is not kept
                if self.size + size > self.budget:
                    self.clear()
                    self.size = 0
                self[key] = found
                self.size += size
        return found


_HIGHLIGHTED, _RENDERED = Remembered(), Remembered()


class _RememberedHighlight(Highlight2HTML):
    def __call__(self, source, language=None, metadata=None):
        magics = (metadata or {}).get("magics_language") if isinstance(metadata, dict) else None
        key = (source, language or self.pygments_lexer, magics, repr(self.extra_formatter_options))
        return _HIGHLIGHTED.get_or_make(key, lambda: super(_RememberedHighlight, self).__call__(
            source, language, metadata))


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter; compiled templates, highlighted code and rendered
    markdown are kept for the next notebook."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _CACHE
        return environment

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        if cell.get("attachments"):
            return super().markdown2html(context, source)
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        key = (source, path, self.embed_images, self.anchor_link_text, self.exclude_anchor_links,
               repr(self.lexer_options))
        return _RENDERED.get_or_make(key, lambda: super(FeedbackHTMLExporter, self).markdown2html(
            context, source))

    def from_notebook_node(self, nb, resources=None, **kw):
        if self.template_name != "feedback":  # nbgrader's classic-based template; others as stock
            return super().from_notebook_node(nb, resources, **kw)
        # As HTMLExporter.from_notebook_node, without parsing the page again.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", _RememberedHighlight(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', html), resources
