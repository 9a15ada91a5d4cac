"""The hidden tests, one module per chapter (the one source of every hidden test cell).

`autograder.hidden.<module>` holds one function per hidden test cell of the chapter's
instructor notebook, named by the cell's grade_id. Its parameters are the names of the
student's answers it checks, spelled as the answer cells define them; `autograder
build` writes the cell's hidden region as the call of the function with those names
(`hidden.test_central_difference_hidden(central_difference)`). The sealed grader runs
that call in its own process, the names bound to the student's answers in the kernel;
stock nbgrader runs it in the kernel. A function raises `CheckFailure` when the answers
fail and returns None when they pass.
"""
from __future__ import annotations

import ast
import importlib


def banned_by(sources) -> tuple[str, ...]:
    """The libraries no answer may use while test cells of these `sources` are graded:
    the `BANNED` of every hidden-test module they import (`from autograder.hidden
    import symbolic`). The grader keeps them out of the kernel (`adcourse.unavailable`)."""
    modules = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == __name__:
                modules.update(f"{__name__}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(__name__ + "."):
                modules.add(node.module)
            elif isinstance(node, ast.Import):
                modules.update(a.name for a in node.names if a.name.startswith(__name__ + "."))
    banned = set()
    for name in sorted(modules):
        try:
            banned.update(getattr(importlib.import_module(name), "BANNED", ()))
        except ImportError:
            continue
    return tuple(sorted(banned))
