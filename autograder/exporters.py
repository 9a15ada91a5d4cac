"""The HTML exporter of feedback pages, with its templates compiled once per process.

nbgrader's generate_feedback makes a new nbconvert HTMLExporter for every
notebook, and each compiles its Jinja templates again (about 0.1 s a notebook).
This exporter shares the compiled code through an in-memory bytecode cache; the
pages are byte for byte those of the stock exporter.
"""
from __future__ import annotations

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter


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
