"""The bundled sample class: submissions assembled from short answer files.

`samples/<chapter>/<student>.py` describes one student's submission:

    # Sample: a one-sided difference where the central one is asked for.
    # base: solution
    # loses: central_difference
    # %% central_difference
    def central_difference(f, x, h=1e-5):
        return (f(x + h) - f(x)) / h

`base` is what the notebook starts from: `instructor` (the instructor notebook as it
is), `solution` (the student notebook with every answer filled in from the
solutions), or `blank` (the student notebook untouched). Each `# %% <grade_id>`
section then replaces that answer cell. A `# %% <grade_id>: edit` section changes only
some lines of the cell it starts from, as a diff does: each line is `- <line>` (a line of
the cell, to remove), `+ <line>` (a line to put in its place) or two spaces and a line
(kept; it says where), and an empty line is a kept empty one. The `-` and kept lines are
found, in that order and without regard to indentation, exactly once in the cell after
the previous change; the new lines keep their indentation relative to the first line
found. A line `@@` separates changes at different places. For a mistake of a few lines in
a long answer the sample then shows only the mistake. `loses` names the exercises on which the
submission must lose points (`*` for all); the tests hold the grader to it.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import CourseError, notebook_name
from .notebook import answer_cells, without_solution_markers

#: Suffix of an answer that edits the cell's lines instead of replacing the cell.
EDIT = ":edit"


@dataclass
class Sample:
    student: str
    base: str
    loses: list[str]
    answers: dict[str, str] = field(default_factory=dict)
    title: str = ""


def parse_sample(path: Path) -> Sample:
    header, answers, current = {}, {}, None
    title = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        section = re.match(r"#\s*%%\s*(\S+?)(:\s*edit)?\s*$", line)
        if section:
            current = section.group(1) + (EDIT if section.group(2) else "")
            answers[current] = []
        elif current is not None:
            answers[current].append(line)
        elif (m := re.match(r"#\s*(base|loses):\s*(.*)$", line)):
            header[m.group(1)] = m.group(2).strip()
        elif line.startswith("#") and not title:
            title = line.lstrip("# ").strip()
    base = header.get("base", "solution")
    if base not in ("instructor", "solution", "blank"):
        raise CourseError(f"{path}: base must be instructor, solution or blank, not {base!r}")
    loses = [x.strip() for x in header.get("loses", "").split(",") if x.strip()]
    return Sample(path.stem, base, loses,
                  {k: "\n".join(v).strip("\n") for k, v in answers.items()}, title)


def samples(root: Path, chapter: str) -> list[Sample]:
    return [parse_sample(p) for p in sorted((root / "samples" / chapter).glob("*.py"))]


def assemble(root: Path, chapter: str, sample: Sample) -> nbformat.NotebookNode:
    name = notebook_name(root, chapter)
    instructor = nbformat.read(root / "solutions" / chapter / name, as_version=4)
    if sample.base == "instructor":
        nb = instructor
    else:
        nb = nbformat.read(root / "course" / chapter / name, as_version=4)
    if sample.base == "solution":
        solutions = dict(answer_cells(instructor))
        for grade_id, cell in answer_cells(nb):
            cell.source = without_solution_markers(solutions[grade_id].source)
    cells = dict(answer_cells(nb))
    for key, source in sample.answers.items():
        grade_id = key.removesuffix(EDIT)
        if grade_id not in cells:
            raise CourseError(f"sample {sample.student}: no answer cell {grade_id!r} in {name}")
        cell = cells[grade_id]
        cell.source = _edited(cell.source, source, f"sample {sample.student}, {grade_id}") \
            if key.endswith(EDIT) else source
    return nb


def _edited(source: str, edits: str, where: str) -> str:
    """`source` with each change of `edits` (the diff-like form above) made."""
    lines, start = source.splitlines(), 0
    for change in _changes(edits, where):
        old = [text for mark, text in change if mark != "+"]
        new = [text for mark, text in change if mark != "-"]
        if not old or all(mark == " " for mark, _ in change):
            raise CourseError(f"{where}: a change needs a '- ' line or a kept line to find, and a '- ' or '+ ' line")
        found = [i for i in range(start, len(lines) - len(old) + 1)
                 if all(lines[i + k].strip() == text.strip() for k, text in enumerate(old))]
        if len(found) != 1:
            raise CourseError(f"{where}: {old[0].strip()!r} and the {len(old) - 1} line(s) after it are "
                              f"in the cell {len(found)} times after the previous change, not once")
        i = found[0]
        first = next((k for k, text in enumerate(old) if text.strip()), 0)
        shift = _indent(lines[i + first]) - _indent(old[first])
        new = [" " * max(0, _indent(text) + shift) + text.strip() if text.strip() else "" for text in new]
        lines[i:i + len(old)] = new
        start = i + len(new)
    return "\n".join(lines)


def _changes(edits: str, where: str) -> list[list[tuple[str, str]]]:
    changes: list[list[tuple[str, str]]] = [[]]
    for line in edits.splitlines():
        if line.strip() == "@@":
            changes.append([])
        elif not line.strip():
            changes[-1].append((" ", ""))
        elif line[:1] in "-+ " and line[1:2] in (" ", ""):
            changes[-1].append((line[0], line[2:]))
        else:
            raise CourseError(f"{where}: {line!r}: each line of an edit starts with '- ' (a line of the cell), "
                              "'+ ' (a line put in its place) or two spaces (a line kept); '@@' separates changes")
    return [change for change in changes if change]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def write_sample_class(root: Path, chapter: str) -> list[Sample]:
    """Write submitted/<student>/<chapter>/<notebook> for every sample; return them."""
    name = notebook_name(root, chapter)
    found = samples(root, chapter)
    if not found:
        raise CourseError(f"no sample submissions in samples/{chapter}/")
    for sample in found:
        folder = root / "submitted" / sample.student / chapter
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nbformat.write(assemble(root, chapter, sample), folder / name)
    return found
