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
some lines of the cell it starts from: pairs of `- <line>` (a line of the cell, compared
without its indentation, found exactly once) and `+ <line>` (what it becomes, indented
as the line it replaces), for a mistake of one line in a long answer. `loses` names the exercises on which the
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
    """`source` with each `- old` line replaced by the `+ new` line after it."""
    lines = source.splitlines()
    pairs = [line for line in edits.splitlines() if line.strip()]
    if len(pairs) % 2 or not all(a.startswith("- ") and b.startswith("+ ") for a, b in zip(pairs[::2], pairs[1::2])):
        raise CourseError(f"{where}: an edit is pairs of '- old line' and '+ new line'")
    for old, new in zip(pairs[::2], pairs[1::2]):
        found = [i for i, line in enumerate(lines) if line.strip() == old[2:].strip()]
        if len(found) != 1:
            raise CourseError(f"{where}: {old[2:].strip()!r} is in the cell {len(found)} times, not once")
        i = found[0]
        lines[i] = lines[i][:len(lines[i]) - len(lines[i].lstrip())] + new[2:].strip()
    return "\n".join(lines)


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
