"""Solution cells and hidden tests generated from the course's modules (one source of truth).

The instructor notebook's autograded answer cell for exercise `name` holds the
source of `name` in `autograder.reference.<chapter module>`, with nbgrader's
solution markers around the body (after the docstring, so that students see the
signature and the contract). A module may group several definitions in one cell
with a `SOLUTION_CELLS = {grade_id: (name, ...)}` table (which may name a definition it
imports from an earlier chapter's reference module), and may place the markers itself;
otherwise they wrap each function's body.

The hidden region of a test cell whose grade_id names a function of
`autograder.hidden.<chapter module>` is the call of that function with the student's
names it takes (`hidden_region`); the rest of the cell (the visible comment above the
region) is the instructor's. A test cell whose grade_id names no such function keeps
the hidden region it has: a hidden test written inline.

A markdown cell whose metadata says `{"adcourse": {"shared": NAME}}` holds the text of
`autograder/texts/NAME.md`, the same in every chapter (how the work is checked).
"""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from typing import Callable

import nbformat

from .course import base_chapter
from .notebook import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, hidden_test_cells
from .notebook import code_answer_cells as answer_cells
from .sealed import exercise_names

BEGIN, END = SOLUTION_BEGIN, SOLUTION_END
#: The tag that lets a notebook run on past a cell that raises (JupyterLab, nbclient).
TEST_TAG = "raises-exception"


def reference_module(chapter: str):
    """`autograder.reference.numerical` for chapter "01_numerical" (and its editions)."""
    return importlib.import_module(f"autograder.reference.{base_chapter(chapter)[0].split('_', 1)[1]}")


def hidden_tests(chapter: str) -> dict[str, Callable]:
    """grade_id -> hidden test, for every public function `autograder.hidden.<chapter
    module>` defines ({} for a chapter without that module)."""
    name = f"autograder.hidden.{base_chapter(chapter)[0].split('_', 1)[1]}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return {}
    return {key: value for key, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == name and not key.startswith("_")}


def hidden_region(test: Callable) -> str:
    """The hidden region that runs `test`: the import of its module and its call with the
    names of its parameters as arguments (the grader binds the names a test cell's code
    uses to the student's answers of those names)."""
    module = test.__module__.rpartition(".")[2]
    arguments = ", ".join(inspect.signature(test).parameters)
    return "\n".join([
        HIDDEN_BEGIN,
        f"# Written by `autograder build` from autograder/hidden/{module}.py: edit the test there.",
        f"from autograder.hidden import {module} as hidden",
        f"hidden.{test.__name__}({arguments})",
        HIDDEN_END,
    ])


def with_hidden_region(source: str, region: str) -> str:
    """`source` with its hidden region, from the line of HIDDEN_BEGIN to the line of
    HIDDEN_END, replaced by `region`; ValueError unless it has exactly one region."""
    lines = source.splitlines()
    marks = [i for i, line in enumerate(lines) if HIDDEN_BEGIN in line or HIDDEN_END in line]
    if len(marks) != 2 or HIDDEN_BEGIN not in lines[marks[0]] or HIDDEN_END not in lines[marks[1]]:
        raise ValueError(f"expected one {HIDDEN_BEGIN!r} line and one {HIDDEN_END!r} line after it")
    begin, end = marks
    return "\n".join(lines[:begin] + [region] + lines[end + 1:])


def _definition(source: str, tree: ast.Module, name: str) -> str:
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            last = node.end_lineno
            # Indented comments after the last statement (a closing `### END SOLUTION`)
            # belong to the definition, though the syntax tree ends before them.
            while last < len(lines) and lines[last][:1].isspace() and lines[last].strip().startswith("#"):
                last += 1
            text = lines[first - 1:last]
            if any(BEGIN in line for line in text) or isinstance(node, ast.ClassDef):
                return "\n".join(text)
            body = node.body
            after_docstring = None
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                after_docstring = body[0].end_lineno  # comments after it are the solution's
                body = body[1:]
            start = (after_docstring if after_docstring is not None else body[0].lineno - 1) + 1 - first
            stop = last - first
            indent = " " * body[0].col_offset
            return "\n".join(text[:start] + [indent + BEGIN] + text[start:stop + 1] + [indent + END])
    raise KeyError(f"the reference module defines no function or class {name!r}")


def solution_groups(chapter: str) -> dict[str, tuple[str, ...]]:
    """grade_id -> the names of the reference's definitions its answer cell holds."""
    module = reference_module(chapter)
    tree = ast.parse(inspect.getsource(module))
    groups = dict(getattr(module, "SOLUTION_CELLS", {}))
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    grouped = {name for members in groups.values() for name in members}
    for name in names:
        if name not in grouped and not name.startswith("_"):
            groups[name] = (name,)
    return groups


def solution_sources(chapter: str) -> dict[str, str]:
    """grade_id -> solution cell source, for every exercise the reference defines."""
    module = reference_module(chapter)
    source = inspect.getsource(module)
    tree = ast.parse(source)
    return {grade_id: "\n\n\n".join(_source_of(module, source, tree, n) for n in members)
            for grade_id, members in solution_groups(chapter).items()}


def _source_of(module, source: str, tree: ast.Module, name: str) -> str:
    """The definition of `name`: in `module`, or, for a name it imports from another
    reference module (one chapter's exercise reused by a later one), in that module."""
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    home = inspect.getmodule(getattr(module, name, None))
    if name in defined or home is None or home is module:
        return _definition(source, tree, name)
    home_source = inspect.getsource(home)
    return _definition(home_source, ast.parse(home_source), name)


def _may_raise(cell, exercises: set[str]) -> bool:
    """A test cell, or a cell that calls what an exercise defines: it raises while the
    exercise is unanswered (NotImplementedError) or wrong."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell.cell_type != "code" or meta.get("solution"):
        return False
    if meta.get("grade"):
        return True
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Name) and node.id in exercises for node in ast.walk(tree))


#: Texts that several notebooks hold, one file each (`shared_text`).
TEXTS = Path(__file__).parent / "texts"


def shared_text(name: str) -> str:
    """The text of the shared cell `name` (autograder/texts/NAME.md, without its last newline)."""
    path = TEXTS / f"{name}.md"
    if not path.is_file():
        raise ValueError(f"a cell asks for the shared text {name!r}, but {path} does not exist")
    return path.read_text(encoding="utf-8").rstrip("\n")


def shared_cells(nb) -> list:
    """(name, cell) of the notebook's cells that hold a shared text."""
    return [(cell.metadata["adcourse"]["shared"], cell) for cell in nb.cells
            if isinstance(cell.get("metadata", {}).get("adcourse"), dict) and "shared" in cell.metadata["adcourse"]]


def sync_notebook(path: Path, chapter: str, write: bool = True) -> list[str]:
    """Bring the answer cells of `path` in line with the reference, the hidden regions in
    line with the hidden tests and the shared cells with their texts, and tag
    `raises-exception` every cell that may raise because of an answer; return the ids of
    the cells that changed."""
    sources = solution_sources(chapter)
    tests = hidden_tests(chapter)
    nb = nbformat.read(path, as_version=4)
    stale = []
    for grade_id, cell in answer_cells(nb):
        if grade_id in sources and cell.source != sources[grade_id]:
            stale.append(grade_id)
            cell.source = sources[grade_id]
    for grade_id, cell in hidden_test_cells(nb):
        if grade_id in tests:
            source = with_hidden_region(cell.source, hidden_region(tests[grade_id]))
            if cell.source != source:
                stale.append(grade_id)
                cell.source = source
    for name, cell in shared_cells(nb):
        if cell.source != shared_text(name):
            stale.append(f"shared text {name}")
            cell.source = shared_text(name)
    # An unanswered exercise's NotImplementedError, or a failing test, is a message to
    # the student, not the end of the notebook: with the tag, JupyterLab's Run All (and
    # nbgrader's Validate, and nbclient) go on to the next exercise.
    exercises = exercise_names([cell.source for _, cell in answer_cells(nb)])
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if _may_raise(cell, exercises) and TEST_TAG not in tags:
            cell.metadata["tags"] = [*tags, TEST_TAG]
            stale.append(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or cell.get("id", "?"))
    if stale and write:
        nbformat.write(nb, path)
    return stale
