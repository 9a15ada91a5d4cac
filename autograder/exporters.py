"""The HTML exporter of feedback pages: nbconvert's, with less work per page.

nbgrader's generate_feedback makes a new nbconvert HTMLExporter for every
notebook. Two costs are paid for each page that need not be:

- each exporter compiles its Jinja templates again (about 0.1 s a page): here the
  compiled code is shared through an in-memory bytecode cache;
- the finished page is parsed again with BeautifulSoup (about 0.1 s a page) to give
  images without one an alt text and JupyterLab's cell wrappers a tabindex.
  nbgrader's feedback template is the classic one, which has no such wrappers, so
  only the alt text is added, on the <img> tags themselves.
"""
from __future__ import annotations

import re

from jinja2 import BytecodeCache
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


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter; compiled templates are kept for the next notebook."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _CACHE
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        if self.template_name != "feedback":  # nbgrader's classic-based template; others as stock
            return super().from_notebook_node(nb, resources, **kw)
        # As HTMLExporter.from_notebook_node, without parsing the page again.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', html), resources
