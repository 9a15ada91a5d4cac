"""What a regrade changed: the scores a batch records, against the ones they replace.

When the grading code, a hidden test or a notebook changes, `autograder grade` grades
the submissions it concerns again (`--force` grades all). Before each new result is
recorded, the gradebook's current per-cell scores of that submission are read and
compared with the ones the result will leave there (a score entered by hand stays, in
both), so that instructors see whose grade a fix changed, by how much and on which
tests: one line per changed student as the results come in, a table at the end of the
batch, and reports/<chapter>/regrade-<UTC time>.csv. A submission with no recorded
result is "new", not a change. `grade --dry-run` shows the same diff and records nothing.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..text import shown, spreadsheet_writer

#: The CSV's columns.
COLUMNS = ["chapter", "student", "old_total", "new_total", "change", "tests"]

@dataclass
class Regrade:
    """One submission graded again: its per-cell scores before (None: no recorded
    result, a new submission) and after."""
    chapter: str
    student: str
    old: dict[str, float] | None
    new: dict[str, float] = field(default_factory=dict)

    @property
    def old_total(self) -> float | None:
        return None if self.old is None else sum(self.old.values())

    @property
    def new_total(self) -> float:
        return sum(self.new.values())

    @property
    def tests(self) -> list[tuple[str, float | None, float | None]]:
        """(cell, old score, new score) of each cell whose score changed (None: no such cell)."""
        if self.old is None:
            return []
        cells = list(self.new) + [cell for cell in self.old if cell not in self.new]
        return [(cell, self.old.get(cell), self.new.get(cell)) for cell in cells
                if not _same(self.old.get(cell), self.new.get(cell))]

    @property
    def changed(self) -> bool:
        return bool(self.tests)


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=0.0, abs_tol=1e-9)


def _score(auto: float | None, manual: float | None, extra: float | None) -> float:
    """A cell's score as nbgrader's `Grade.score` computes it: the hand-entered score, else
    the automatic one, plus extra credit; 0 with neither."""
    base = manual if manual is not None else auto
    return 0.0 if base is None else base + (extra or 0.0)


def compare(gb, chapter: str, student: str, grades: dict[str, dict]) -> Regrade:
    """The submission's scores in the gradebook now, and the ones that recording `grades`
    (a worker's `Result.notebooks`: notebook -> {"grades": cell -> automatic score}; {} for
    a submission that could not be graded, which scores zero) will leave there."""
    from nbgrader.api import MissingEntry

    entered: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    try:
        submission = gb.find_submission(chapter, student)
    except MissingEntry:
        old = None
    else:
        old = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                old[grade.name] = grade.score or 0.0
                entered[notebook.name, grade.name] = (grade.manual_score, grade.extra_credit)
    new = {}
    for notebook in gb.find_assignment(chapter).notebooks:
        got = grades.get(notebook.name, {}).get("grades", {})
        for cell in notebook.grade_cells:
            new[cell.name] = _score(got.get(cell.name), *entered.get((notebook.name, cell.name), (None, None)))
    return Regrade(chapter, student, old, new)


# --- shown ---------------------------------------------------------------------------------------
def _points(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def tests_text(entry: Regrade) -> str:
    """The changed cells, "test_x_hidden 2->0; test_y 1->2" ("none": a cell added or removed)."""
    def points(value):
        return "none" if value is None else _points(value)
    return "; ".join(f"{cell} {points(old)}->{points(new)}" for cell, old, new in entry.tests)


def change_text(entry: Regrade) -> str:
    if entry.old is None:
        return "new"
    return f"{entry.new_total - entry.old_total:+g}"


def line(entry: Regrade, width: int = 28) -> str:
    """One student's row of the table (the student's id made safe for the terminal)."""
    return (f"{shown(entry.student):<{width}} {_points(entry.old_total):>6} {_points(entry.new_total):>6} "
            f"{change_text(entry):>7}  {shown(tests_text(entry), 2000)}").rstrip()


def listed(entries: list[Regrade]) -> list[Regrade]:
    """The rows of the diff: the changed submissions and the new ones, by student."""
    return sorted((e for e in entries if e.changed or e.old is None), key=lambda e: e.student)


def summary(entries: list[Regrade]) -> str:
    """ "N of M regraded submissions changed" (and how many were new)."""
    regraded = [e for e in entries if e.old is not None]
    new = len(entries) - len(regraded)
    if not regraded:
        return f"{new} new, none regraded"
    changed = sum(e.changed for e in regraded)
    text = f"{changed} of {len(regraded)} regraded submissions changed"
    if not changed:
        text = f"no score changed: {text}"
    return text + (f"; {new} new" if new else "")


def table(entries: list[Regrade]) -> str:
    """The diff as text: a row per changed (or new) submission, then the summary line."""
    rows = listed(entries)
    width = max([7] + [len(shown(e.student)) for e in rows])
    lines = []
    if rows:
        lines.append(f"{'student':<{width}} {'old':>6} {'new':>6} {'change':>7}  tests")
        lines += [line(e, width) for e in rows]
    return "\n".join(lines + [summary(entries)])


# --- the report ----------------------------------------------------------------------------------
def _number(value: float) -> float | int:
    value = round(value, 9)
    return int(value) if value.is_integer() else value


def csv_rows(entries: list[Regrade]) -> list[list]:
    """The CSV's rows under COLUMNS (numbers as numbers)."""
    rows = []
    for e in listed(entries):
        change = "new" if e.old is None else _number(e.new_total - e.old_total)
        rows.append([e.chapter, e.student, "" if e.old is None else _number(e.old_total),
                     _number(e.new_total), change, tests_text(e)])
    return rows


def stamp(now: datetime.datetime | None = None) -> str:
    """The UTC time a report is named after, e.g. 20250114T093005Z."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_csv(root: Path, chapter: str, entries: list[Regrade], when: str, dry_run: bool = False) -> Path:
    """reports/<chapter>/regrade-<when>.csv (-dry-run.csv for a dry run), never over an
    earlier report: a second one within the same second gets -2, -3, ..."""
    folder = root / "reports" / chapter
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "-dry-run" if dry_run else ""
    for number in range(1, 1000):
        path = folder / f"regrade-{when}{suffix}{'' if number == 1 else f'-{number}'}.csv"
        try:
            handle = open(path, "x", newline="", encoding="utf-8")
        except FileExistsError:
            continue
        with handle:
            writer = spreadsheet_writer(handle)  # no cell a student chose starts a formula
            writer.writerow(COLUMNS)
            writer.writerows(csv_rows(entries))
        return path
    raise FileExistsError(f"{folder}: too many regrade reports named regrade-{when}")
