"""What the prose tests read of a chapter's instructor notebook: its cells, its teaching
text flattened (line breaks and runs of spaces as one space), one code cell by its content."""
from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def notebook(chapter: str):
    return nbformat.read(next((ROOT / "solutions" / chapter).glob("*.ipynb")), as_version=4)


def flat(text: str) -> str:
    return " ".join(text.split())


def graded(cell) -> bool:
    """An answer or a test cell (a written answer's model answer is one)."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


def code_cell(nb, marker: str) -> str:
    """The source of the one code cell that contains `marker`."""
    (source,) = [c.source for c in nb.cells if c.cell_type == "code" and marker in c.source]
    return source
