"""Regrade diffs: after a hidden test changes, `grade` says whose score the change moved.

A small class of 01_numerical is graded, a grader enters two scores by hand, and then
two hidden test cells of the instructor notebook change (and `autograder build` puts
them in the gradebook): `test_richardson_hidden` is worth 3 points instead of 2, and
`test_forward_difference_hidden` also asks for the forward difference computed exactly
as (f(x + h) - f(x)) / h, which kim_alternative's (f(x + h) - f(x)) * (1 / h) is not at
h = 3e-3 (the two round differently there). `grade --dry-run` must list exactly the
students and tests that change, by amounts computed by hand below, and record nothing;
`grade` must then print and record the same; `--force` with nothing changed says so.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from autograder.batch import regrade

from .conftest import autograder, copy_course, keep_samples

pytestmark = pytest.mark.pipeline
CHAPTER = "01_numerical"
CLASS = {"instructor", "untouched", "cleo_one_sided", "kim_alternative"}
#: A submission first seen by the dry run: its id is a spreadsheet formula with an escape
#: sequence in it.
NEWCOMER = "=1+2\x1b]0;owned\x07"
NEWCOMER_SHOWN = r"=1+2\x1b]0;owned\x07"
EXACT = ("assert forward_difference(np.sin, 1.0, h=3e-3) == "
         "(np.sin(1.0 + 3e-3) - np.sin(1.0)) / 3e-3\n")

# By hand. The 11 autograded exercises have a visible test (1 point) and a hidden one
# (2 points): 33 points; the written answer (3 points) is graded by hand.
# - instructor: 33, and 3 entered by hand for the written answer: 36. Richardson's
#   hidden test now gives 3: 37 (+1).
# - cleo_one_sided loses central_difference (1 + 2): 30; her richardson hidden test
#   was set to 1 by hand: 29. A score entered by hand does not change: 29, unchanged.
# - kim_alternative: 33; the exact forward difference fails (2 -> 0), Richardson 2 -> 3: 32 (-1).
# - untouched: 0, unchanged.
# - the newcomer submits the instructor's notebook: 33 - 2 + 3 = 34, new.
RICHARDSON = "test_richardson_hidden 2->3"
TABLE = [
    (NEWCOMER_SHOWN, "-", "34", "new", ""),
    ("instructor", "36", "37", "+1", RICHARDSON),
    ("kim_alternative", "33", "32", "-1", f"test_forward_difference_hidden 2->0; {RICHARDSON}"),
]
CSV = [
    ["chapter", "student", "old_total", "new_total", "change", "tests"],
    [CHAPTER, "'" + NEWCOMER, "", "34", "new", ""],
    [CHAPTER, "instructor", "36", "37", "1", RICHARDSON],
    [CHAPTER, "kim_alternative", "33", "32", "-1", f"test_forward_difference_hidden 2->0; {RICHARDSON}"],
]
SUMMARY = "2 of 4 regraded submissions changed; 1 new"
TOTALS_AFTER = {"instructor": 37, "cleo_one_sided": 29, "kim_alternative": 32, "untouched": 0, NEWCOMER: 34}


def tree(root: Path) -> dict[str, str]:
    """Every file of the course but its reports: path -> digest of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != "reports"}


def rows(root: Path) -> dict[str, list[tuple]]:
    """The journal's rows and nbgrader's grades, row by row."""
    from sqlalchemy import create_engine, select, text

    from autograder.batch.gradebook import JOURNAL, course_db_url

    engine = create_engine(course_db_url(root))
    with engine.connect() as connection:
        found = {"journal": sorted(map(tuple, connection.execute(select(JOURNAL)).all())),
                 "grade": sorted(map(tuple, connection.execute(text("SELECT * FROM grade")).all()))}
    engine.dispose()
    return found


def enter_by_hand(root: Path) -> None:
    """What a grader enters in formgrader: the instructor's written answer, and a partial
    score for cleo's Richardson hidden test."""
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    with Gradebook(course_db_url(root), course_id(root)) as gb:
        gb.find_grade("written_v_shape", "numerical", CHAPTER, "instructor").manual_score = 3.0
        gb.find_grade("test_richardson_hidden", "numerical", CHAPTER, "cleo_one_sided").manual_score = 1.0
        gb.db.commit()


def change_hidden_tests(root: Path) -> None:
    path = root / "solutions" / CHAPTER / "numerical.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "test_richardson_hidden":
            cell.metadata.nbgrader["points"] = 3
        elif grade_id == "test_forward_difference_hidden":
            # Above the hidden region: `build` writes that region from autograder/hidden.
            assert "### BEGIN HIDDEN TESTS" in cell.source
            cell.source = cell.source.replace("### BEGIN HIDDEN TESTS", EXACT + "### BEGIN HIDDEN TESTS")
    nbformat.write(nb, path)


def max_scores(root: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    with Gradebook(course_db_url(root), course_id(root)) as gb:
        return {c.name: c.max_score for c in gb.find_notebook("numerical", CHAPTER).grade_cells}


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The class graded, scores entered by hand, the hidden tests changed and built; then
    `grade --dry-run`, `grade` and `grade --force`, with the course's state around them."""
    root = copy_course(tmp_path_factory.mktemp("regrade"), built=True)
    keep_samples(root, CHAPTER, CLASS)
    autograder(root, "sample", CHAPTER)
    autograder(root, "grade", CHAPTER, "--no-progress")
    enter_by_hand(root)
    change_hidden_tests(root)
    autograder(root, "build", CHAPTER)
    assert max_scores(root)["test_richardson_hidden"] == 3.0, "the build did not change the gradebook's points"
    newcomer = root / "submitted" / NEWCOMER / CHAPTER
    newcomer.mkdir(parents=True)
    shutil.copy(root / "submitted" / "instructor" / CHAPTER / "numerical.ipynb", newcomer)
    run = SimpleNamespace(root=root, before=tree(root), rows_before=rows(root), start=utc_now())
    run.dry = autograder(root, "grade", CHAPTER, "--dry-run", "--no-progress")
    run.after_dry, run.rows_after_dry = tree(root), rows(root)
    run.dry_reports = sorted((root / "reports" / CHAPTER).glob("regrade-*.csv"))
    run.real = autograder(root, "grade", CHAPTER, "--no-progress")
    run.rows_after_real = rows(root)
    run.reports = sorted(set((root / "reports" / CHAPTER).glob("regrade-*.csv")) - set(run.dry_reports))
    from autograder.scores import read_scores
    run.totals = {row.student: row.total for row in read_scores(root, CHAPTER)[2]}
    run.forced = autograder(root, "grade", CHAPTER, "--force", "--no-progress")
    run.end = utc_now()
    run.all_reports = sorted((root / "reports" / CHAPTER).glob("regrade-*.csv"))
    return run


def table_of(stdout: str, heading: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """The rows of the regrade table under `heading`, and the lines after them."""
    lines = stdout.splitlines()
    start = lines.index(heading) + 1
    assert lines[start].split() == ["student", "old", "new", "change", "tests"], lines[start:]
    body, rest = [], []
    for line in lines[start + 1:]:
        if rest or "regraded" in line:
            rest.append(line.strip())
        else:
            body.append(tuple(line.strip().split(None, 4)) + ("",) * (5 - len(line.split(None, 4))))
    return body, rest


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def stamp_of(path: Path, suffix: str) -> datetime.datetime:
    found = re.fullmatch(rf"regrade-(\d{{8}}T\d{{6}}Z){suffix}\.csv", path.name)
    assert found, path.name
    return datetime.datetime.strptime(found[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def test_dry_run_lists_exactly_what_the_change_moved(runs):
    body, rest = table_of(runs.dry.stdout, f"regrade of {CHAPTER} (dry run: nothing recorded):")
    assert body == TABLE
    assert rest[0] == SUMMARY
    assert "\x1b" not in runs.dry.stdout and "\x07" not in runs.dry.stdout, "a raw escape reached the terminal"
    assert "changed: " not in runs.dry.stdout


def test_dry_run_writes_the_diff_as_csv(runs):
    assert len(runs.dry_reports) == 1, runs.dry_reports
    report = runs.dry_reports[0]
    assert runs.start <= stamp_of(report, "-dry-run") <= runs.end
    assert f"written to reports/{CHAPTER}/{report.name}" in runs.dry.stdout
    assert read_csv(report) == CSV


def test_dry_run_records_nothing(runs):
    assert runs.after_dry == runs.before, "a dry run changed files of the course"
    assert runs.rows_after_dry == runs.rows_before
    assert runs.rows_before["journal"], "the journal should hold the first grading"


def test_grade_prints_each_change_before_recording_and_the_same_table(runs):
    stdout = runs.real.stdout
    body, rest = table_of(stdout, f"regrade of {CHAPTER}:")
    assert body == TABLE
    assert rest[0] == SUMMARY
    lines = stdout.splitlines()
    changed = [tuple(line.removeprefix("  changed: ").split(None, 4)) for line in lines
               if line.startswith("  changed: ")]
    assert sorted(changed) == TABLE[1:], "one line per changed student (in the order the results came)"
    # The changes come in as the results do, before the batch's summary.
    summary = next(i for i, line in enumerate(lines) if line.startswith("graded 5 of 5 submissions"))
    assert max(i for i, line in enumerate(lines) if line.startswith("  changed: ")) < summary
    assert len(runs.reports) == 1 and read_csv(runs.reports[0]) == CSV
    assert runs.start <= stamp_of(runs.reports[0], "") <= runs.end


def test_grade_records_the_new_scores(runs):
    assert runs.totals == TOTALS_AFTER
    assert runs.rows_after_real["journal"] != runs.rows_before["journal"]
    journaled = {row[1] for row in runs.rows_after_real["journal"]}
    assert journaled == CLASS | {NEWCOMER}


def test_force_without_change_says_no_score_changed(runs):
    lines = runs.forced.stdout.splitlines()
    heading = lines.index(f"regrade of {CHAPTER}:")
    assert lines[heading + 1].strip() == "no score changed: 0 of 5 regraded submissions changed"
    assert "changed: " not in runs.forced.stdout.replace("no score changed: ", "")
    assert runs.all_reports == sorted([*runs.dry_reports, *runs.reports]), "a report of no change was written"


# --- without grading ------------------------------------------------------------------------------
def test_csv_cells_are_neutralised_numbers_stay_numbers(tmp_path):
    entries = [regrade.Regrade(CHAPTER, student, {"test_a": 2.0, "test_b": 1.0}, {"test_a": 0.5, "test_b": 1.0})
               for student in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "bob")]
    entries.append(regrade.Regrade(CHAPTER, "same", {"test_a": 2.0}, {"test_a": 2.0}))
    entries.append(regrade.Regrade(CHAPTER, "moved", {"test_a": 2.0, "test_b": 0.0}, {"test_a": 0.0, "test_b": 2.0}))
    path = regrade.write_csv(tmp_path, CHAPTER, entries, "20250101T000000Z")
    assert path == tmp_path / "reports" / CHAPTER / "regrade-20250101T000000Z.csv"
    got = read_csv(path)
    assert got[0] == ["chapter", "student", "old_total", "new_total", "change", "tests"]
    assert [row[1] for row in got[1:]] == ["'\tx", "'\rx", "'+1", "'-2+3", "'=HYPERLINK(\"http://x\")",
                                         "'@SUM(A1)", "bob", "moved"]
    assert got[1][2:] == ["3", "1.5", "-1.5", "test_a 2->0.5"]
    # The total did not move, two tests did: a change all the same.
    assert got[-1][2:] == ["2", "2", "0", "test_a 2->0; test_b 0->2"]
    # A second report in the same second does not replace the first.
    assert regrade.write_csv(tmp_path, CHAPTER, entries, "20250101T000000Z").name == "regrade-20250101T000000Z-2.csv"


def test_a_cell_added_or_removed_shows_as_none():
    entry = regrade.Regrade(CHAPTER, "ada", {"test_old": 1.0}, {"test_new": 2.0})
    assert regrade.tests_text(entry) == "test_new none->2; test_old 1->none"
    assert regrade.change_text(entry) == "+1"


def test_dry_run_before_any_build_says_what_to_do(tmp_path):
    root = copy_course(tmp_path)
    folder = root / "submitted" / "ada" / CHAPTER
    folder.mkdir(parents=True)
    shutil.copy(root / "course" / CHAPTER / "numerical.ipynb", folder)
    result = autograder(root, "grade", CHAPTER, "--dry-run", check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"run `autograder build {CHAPTER}` first" in result.stderr
    assert not (root / "gradebook.db").exists(), "a dry run made a gradebook"


def test_dry_run_on_a_gradebook_never_graded(tmp_path):
    """The first batch makes the journal's table: a dry run before it does not."""
    root = copy_course(tmp_path, built=True)
    folder = root / "submitted" / "ada" / CHAPTER
    folder.mkdir(parents=True)
    shutil.copy(root / "course" / CHAPTER / "numerical.ipynb", folder)
    before = tree(root)
    result = autograder(root, "grade", CHAPTER, "--dry-run", "--no-progress")
    assert tree(root) == before
    body, rest = table_of(result.stdout, f"regrade of {CHAPTER} (dry run: nothing recorded):")
    assert body == [("ada", "-", "0", "new", "")]
    assert rest[0] == "1 new, none regraded"
