"""`autograder build`: instructor notebooks -> student notebooks (stock nbgrader underneath).

First the answer cells of every instructor notebook are brought in line with the
reference modules, and its hidden test regions with the hidden test modules (`sync`),
then `nbgrader generate_assignment` writes course/<chapter>/ from solutions/<chapter>/.
"""
from __future__ import annotations

from pathlib import Path

from .course import CourseError, chapters, nbgrader, notebook_name
from .sync import sync_notebook


def build(root: Path, only: list[str] | None = None, quiet: bool = False) -> list[str]:
    """Build the student notebooks of `only` (default: every chapter); return the chapters."""
    selected = only or chapters(root)
    for chapter in selected:
        path = root / "solutions" / chapter / notebook_name(root, chapter)
        stale = sync_notebook(path, chapter)
        if stale and not quiet:
            print(f"{chapter}: cells brought up to date (solutions from the reference, hidden tests "
                  f"from autograder/hidden, raises-exception tags): {', '.join(stale)}")
        result = nbgrader(root, "generate_assignment", chapter, "--force", "--log-level=WARN",
                          capture=quiet)
        if result.returncode != 0:
            detail = (result.stderr or "")[-2000:] if quiet else "see the messages above"
            raise CourseError(f"nbgrader generate_assignment failed for {chapter}: {detail}")
        if not quiet:
            print(f"{chapter}: course/{chapter}/{path.name} generated")
    return selected
