"""Grades into the learning-management system: Canvas's and Moodle's grade import CSV.

nbgrader export plugins: `nbgrader export --exporter=autograder.lms.CanvasExport` (or
MoodleExport) in the course root, and `autograder export CHAPTER... --to canvas|moodle`
runs the same code. One row per student, one column per chapter, in one file.

Canvas (Grades > Import) reads the layout of its own gradebook export: Student, ID,
SIS User ID, SIS Login ID, Section, then one column per assignment ("Name (id)" is an
existing assignment, another heading makes a new one), and an optional second row
"Points Possible"; it finds each student by ID, then SIS User ID, SIS Login ID, name.
Moodle (Grades > Import > CSV file) reads the layout of its own export: the instructor
maps one identifier column (username, ID number, email address) to its users and each
grade column to a grade item; an empty cell is no grade. Both skip a UTF-8 byte-order
mark, which Excel needs to show non-ASCII names.

The roster is the CSV the instructor exported from the LMS's gradebook (or any CSV with
the identifier column): the LMS's own identifying cells are copied from it, so the LMS
finds every row. A student with a grade who is not in the roster is printed and written
to <output>.not-in-roster.csv, never dropped. Names are text the students chose: every
cell is on one line, and none starts a spreadsheet formula (OWASP's advice on CSV
injection: autograder.text.spreadsheet_writer).
"""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

from nbgrader.plugins import ExportPlugin
from traitlets import Bool, Dict, Enum, Unicode

from .course import CourseError
from .text import shown, spreadsheet_writer



def cell(value) -> str:
    """A text cell on one line (the writer sees that it starts no formula)."""
    return " ".join(("" if value is None else str(value)).splitlines())


def number(value: float) -> str:
    """Points to two decimals, as Canvas rounds them: 7.5, 10, 87.33."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def count(n: int, thing: str) -> str:
    return f"{n} {thing}{'s' * (n != 1)}"


def _key(value) -> str:
    return str(value or "").strip().casefold()


class LmsExport(ExportPlugin):
    """What the two formats share: chapters' scores, matched to the LMS's roster. A format
    says its columns (`identity_columns(roster header or None)`), fills them for a student
    without a roster (`from_nbgrader`), and may add rows under the header (`head_rows`)."""

    lms = "lms"
    roster = Unicode("", help="The CSV exported from the LMS's gradebook, or a roster CSV with the "
                     "id_column; empty: one row per gradebook student, with the ids nbgrader "
                     "has").tag(config=True)
    id_column = Unicode(help="The roster column that holds what student_key names").tag(config=True)
    student_key = Enum(("id", "email", "lms_user_id"), "id", help="What of nbgrader's student "
                       "the id_column holds: the student id, the email or the LMS user id").tag(config=True)
    assignment_column = Unicode("{chapter}", help="The heading of a chapter's column; {chapter} is "
                                "the chapter (nbgrader assignment) id").tag(config=True)
    assignment_columns = Dict(value_trait=Unicode(), help="chapter -> heading, for the chapters "
                              "headed otherwise; chapters with one heading (a chapter and its "
                              "translated edition) share the column").tag(config=True)
    scale = Enum(("points", "percent"), "points", help="Scores as points, or as percent of the "
                 "chapter's points").tag(config=True)
    no_submission = Unicode("", help="The cell of a student who did not submit a chapter: empty "
                            "(no grade), or for instance 0").tag(config=True)
    bom = Bool(True, help="Begin with a UTF-8 byte-order mark: Excel needs it to show non-ASCII "
               "names, the LMS skips it").tag(config=True)

    def export(self, gradebook) -> None:
        """nbgrader's entry point: a mistake in the input is said in one line, not a traceback."""
        try:
            self.write(gradebook)
        except CourseError as exc:
            self.log.error("%s", exc)
            sys.exit(1)

    def write(self, gradebook) -> Path:
        """Write the import file (and the students missing from the roster); print a summary."""
        self.identity_columns(None)   # a wrong id_column is said before the roster is read
        header, records = self.read_roster() if self.roster else (None, None)
        headings = {chapter: self.heading(chapter, header or []) for chapter in self.chapters(gradebook)}
        grades, possible, manual = self.grades(gradebook, headings)
        students = {s.id: s for s in gradebook.students if self.wanted(s.id)}
        if records is None:
            rows = [(self.from_nbgrader(s), grades.get(s.id, {})) for _, s in sorted(students.items())]
            unmatched = []
        else:
            rows, unmatched = self.match(records, students, grades)
        columns, headings = self.identity_columns(header), list(dict.fromkeys(headings.values()))
        dest = Path(self.to or f"reports/{self.lms}.csv")
        self.write_csv(dest, columns + headings, self.head_rows(len(columns), headings, possible),
                       [[cell(source.get(c)) for c in columns] + self.cells(values, headings)
                        for source, values in rows])
        extra = dest.with_name(f"{dest.stem}.not-in-roster.csv")
        if unmatched:
            self.write_csv(extra, ["student_id", "first_name", "last_name", "email"] + headings, [],
                           [[cell(s.id), cell(s.first_name), cell(s.last_name), cell(s.email)]
                            + self.cells(grades[s.id], headings) for s in unmatched])
        else:
            extra.unlink(missing_ok=True)   # one from an earlier run would mislead
        self.summary(dest, headings, rows, unmatched, extra, manual)
        return dest

    # --- what is exported ------------------------------------------------------------------------
    def chapters(self, gradebook) -> list[str]:
        """The chosen chapters (nbgrader's --assignment), else every one with a submission."""
        known = sorted(a.name for a in gradebook.assignments)
        chosen = [str(a) for a in self.assignment] or [a for a in known if gradebook.assignment_submissions(a)]
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise CourseError(f"no chapter {', '.join(map(shown, unknown))} in the gradebook; "
                              f"it holds: {', '.join(known) or 'none'}")
        if not chosen:
            raise CourseError("no chapter has a submission in the gradebook: grade one first "
                              "(autograder grade CHAPTER)")
        return chosen

    def wanted(self, student: str) -> bool:
        """Whether nbgrader's --student list (if any) names the student."""
        return not self.student or student in {str(s) for s in self.student}

    def heading(self, chapter: str, header: list[str]) -> str:
        return self.assignment_columns.get(chapter) or self.assignment_column.replace("{chapter}", chapter)

    def grades(self, gradebook, headings: dict[str, str]):
        """(student id -> {heading: score}, heading -> points possible, submissions still to
        grade by hand). The score is nbgrader's, less the late penalty, as `nbgrader export`
        computes it; a student graded in two chapters of one column keeps the better."""
        grades: dict[str, dict[str, float]] = {}
        possible: dict[str, float] = {}
        manual, percent = 0, self.scale == "percent"
        for chapter, heading in headings.items():
            maximum = gradebook.find_assignment(chapter).max_score or 0.0
            possible[heading] = max(possible.get(heading, 0.0), 100.0 if percent else maximum)
            for submission in gradebook.assignment_submissions(chapter):
                if not self.wanted(submission.student_id):
                    continue
                points = max(0.0, submission.score - (submission.late_submission_penalty or 0.0))
                value = (100 * points / maximum if maximum else 0.0) if percent else points
                scores = grades.setdefault(submission.student_id, {})
                scores[heading] = max(value, scores.get(heading, value))
                manual += bool(submission.needs_manual_grade)
        return grades, possible, manual

    def cells(self, values: dict[str, float], headings: list[str]) -> list[str]:
        return [number(values[h]) if h in values else self.no_submission for h in headings]

    # --- who is exported -------------------------------------------------------------------------
    def read_roster(self) -> tuple[list[str], list[dict[str, str]]]:
        """The roster's header and its student rows (column -> cell)."""
        path, setting = Path(self.roster), f"c.{type(self).__name__}.id_column"
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise CourseError(f"the roster {path} is not a CSV file (text in UTF-8): export the "
                              "gradebook from the LMS as CSV, or save the sheet as 'CSV UTF-8'") from None
        except OSError as exc:
            raise CourseError(f"cannot read the roster {path}: {exc.strerror}; export the "
                              "gradebook from the LMS as CSV") from None
        first = text.partition("\n")[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","   # both LMSs may use either
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise CourseError(f"the roster {path} is not a CSV file: {exc}") from None
        header = [name.strip() for name in rows[0]] if rows else []
        if self.id_column not in header:
            found = ", ".join(repr(shown(name, 60)) for name in header) or "none"
            raise CourseError(f"the roster {path} has no column {self.id_column!r} to find the "
                              f"students by; its columns are: {found}. Name the column that holds "
                              f"the students' {self.student_key} with --id-column (or {setting})")
        return header, [dict(zip(header, row)) for row in rows[1:] if not self.skipped(row)]

    def skipped(self, row: list[str]) -> bool:
        """A roster row that is no student."""
        return not any(c.strip() for c in row)

    def match(self, records, students, grades):
        """The roster's rows with their students' scores, and the graded students it lacks.

        A roster cell matches the student whose id it is exactly, else the one student whose
        id it is but for case and surrounding spaces. Two students that only case or spaces
        tell apart (`Ada` and `ada`) are refused: a student could otherwise choose an id that
        takes another's row."""
        exact, loose = {}, {}
        for student in students.values():
            value = str(getattr(student, self.student_key) or "")
            if value:
                exact[value] = student
                loose.setdefault(_key(value), []).append(student)
        clashes = [group for group in loose.values() if len(group) > 1]
        if clashes:
            pairs = "; ".join(" and ".join(shown(getattr(s, self.student_key), 60) for s in group)
                              for group in clashes[:5])
            raise CourseError(f"students whose {self.student_key} differ only in case or spaces: {pairs}; "
                              "the LMS could give one's grade to the other. Rename them in the "
                              "gradebook (nbgrader db student), then export again")
        rows, found = [], set()
        for record in records:
            cell = str(record.get(self.id_column) or "")
            group = loose.get(_key(cell), [])
            student = exact.get(cell) or (group[0] if len(group) == 1 else None)
            if student is not None:
                found.add(student.id)
            rows.append((record, grades.get(student.id, {}) if student is not None else {}))
        return rows, [students[s] for s in sorted(grades) if s in students and s not in found]

    def summary(self, dest, headings, rows, unmatched, extra, manual) -> None:
        print(f"{self.lms}: {count(len(rows), 'student')}, {count(len(headings), 'column')} "
              f"({self.scale}) written to {shown(dest)}")
        for heading in headings:
            absent = sum(heading not in values for _, values in rows)
            if absent:
                print(f"  {shown(heading)}: {count(absent, 'student')} without a submission, "
                      + (f"given {shown(self.no_submission)}" if self.no_submission else "left empty"))
        if unmatched:
            print(f"{count(len(unmatched), 'student')} with a grade not in the roster (no "
                  f"{self.id_column} equal to their {self.student_key}): the grades are in "
                  f"{shown(extra)}, not in {shown(dest.name)}")
            for s in unmatched:
                names = " ".join(n for n in (s.first_name, s.last_name, s.email) if n)
                print(f"  {shown(s.id)}" + (f" ({shown(names)})" if names else ""))
        if manual:
            print(f"{count(manual, 'submission')} still to grade by hand (nbgrader formgrader): "
                  "only what is graded counts")

    # --- the file --------------------------------------------------------------------------------
    def write_csv(self, dest: Path, header: list[str], head: list[list[str]], rows) -> None:
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "w", newline="", encoding="utf-8-sig" if self.bom else "utf-8") as handle:
                spreadsheet_writer(handle).writerows([[cell(name) for name in header], *head, *rows])
        except OSError as exc:
            raise CourseError(f"cannot write {dest}: {exc.strerror}") from None

    def head_rows(self, identity: int, headings: list[str], possible: dict[str, float]) -> list[list[str]]:
        return []


class CanvasExport(LmsExport):
    """Canvas's Gradebook import CSV (Grades > Import)."""

    lms = "canvas"
    IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    #: Canvas's export rows that are no student: all empty, or marking muted / manually posted.
    MUTED = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)

    id_column = Unicode("SIS Login ID", help="The column that holds what student_key names: "
                        "'SIS Login ID', 'SIS User ID', 'ID' (Canvas's user id) or 'Student' (the "
                        "name)").tag(config=True)
    points_possible = Bool(True, help="Write the optional second row 'Points Possible' (100 in "
                           "percent): Canvas gives these points to an assignment the file "
                           "makes").tag(config=True)

    def identity_columns(self, header):
        if self.id_column not in self.IDENTITY:
            raise CourseError(f"Canvas finds students by {', '.join(self.IDENTITY[:4])}, not by "
                              f"{self.id_column!r}: set --id-column (c.CanvasExport.id_column) to one of them")
        return self.IDENTITY

    def from_nbgrader(self, student):
        name = ", ".join(n for n in (student.last_name, student.first_name) if n) or student.id
        key = getattr(student, self.student_key) or ""
        return {"Student": name, "ID": student.lms_user_id or "", self.id_column: key}

    def heading(self, chapter, header):
        """A roster column "Heading (123)" is the Canvas assignment 123: its heading is kept."""
        heading = super().heading(chapter, header)
        known = [c for c in header if re.fullmatch(re.escape(heading) + r" \(\d+\)", c)]
        return known[0] if heading not in header and len(known) == 1 else heading

    def skipped(self, row):
        return (bool(row) and "Points Possible" in row[0]) or all(self.MUTED.match(c) for c in row)

    def head_rows(self, identity, headings, possible):
        if not self.points_possible:
            return []
        return [["Points Possible"] + [""] * (identity - 1) + [number(possible[h]) for h in headings]]


class MoodleExport(LmsExport):
    """Moodle's grade import CSV (Grades > Import > CSV file)."""

    lms = "moodle"
    #: The user fields of Moodle's grade export that are kept from a roster.
    KNOWN = ("First name", "Last name", "Surname", "ID number", "Username", "Email address")

    id_column = Unicode("Username", help="The column that holds what student_key names, mapped "
                        "in Moodle's import to its user field: 'Username', 'ID number', 'Email "
                        "address'").tag(config=True)

    def identity_columns(self, header):
        known = ([c for c in header if c in self.KNOWN] if header is not None
                 else ["First name", "Last name", "Email address"])
        return known + [self.id_column] * (self.id_column not in known)

    def from_nbgrader(self, student):
        return {"First name": student.first_name, "Last name": student.last_name,
                "Email address": student.email, self.id_column: getattr(student, self.student_key) or ""}


EXPORTERS = {"canvas": CanvasExport, "moodle": MoodleExport}


def export(root: Path, lms: str, chapters: list[str], output: Path | None = None,
           columns: list[str] | None = None, **settings) -> Path:
    """`autograder export`: the plugin as nbgrader_config.py sets it, with the command's options."""
    from nbgrader.api import Gradebook

    from .batch.gradebook import course_db_url, course_id
    from .course import load_config

    plugin = EXPORTERS[lms](config=load_config(root))
    plugin.assignment = list(chapters)
    plugin.to = str(output or root / "reports" / f"{lms}.csv")
    for name, value in settings.items():
        if value is not None:
            setattr(plugin, name, str(value))
    for option in columns or []:
        chapter, equals, heading = option.partition("=")
        if not equals or not chapter or not heading:
            raise CourseError(f"--column {option!r}: write it CHAPTER=HEADING")
        plugin.assignment_columns = {**plugin.assignment_columns, chapter: heading}
    with Gradebook(course_db_url(root), course_id(root)) as gradebook:
        return plugin.write(gradebook)
