"""`autograder check --format json|junit` and the self-study workflow (deploy/self-study/).

Sample notebooks of 01_numerical (autograder.samples): the instructor's (full marks),
cleo_one_sided (a one-sided difference: both tests of central_difference fail) and a
hostile one whose function raises an exception with `]]>`, markup, control characters
and a megabyte of text. Each is checked once, in a module-scoped fixture; the JSON and
JUnit reports are held to the text report cell by cell, the JUnit file to the JUnit
schema (the Jenkins/pytest flavour, junit-10.xsd), and the workflow's check step is
run as the workflow runs it, on a scratch course holding one chapter notebook.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
import yaml
from junitparser.xunit2 import JUnitXml

from autograder.samples import assemble, parse_sample
from autograder.selfcheck import MESSAGE_LIMIT, CellResult, CheckResult, as_json, as_junit, as_text

from .conftest import ROOT, autograder, copy_course
from .expected import FEEDBACK

CHAPTER, NOTEBOOK = "01_numerical", "numerical.ipynb"
SELF_STUDY = ROOT / "deploy" / "self-study"
WORKFLOW = SELF_STUDY / ".github" / "workflows" / "check.yml"

#: A function that raises what no report may pass on raw: the end of a CDATA section,
#: markup, NUL, the other C0 controls XML forbids, an escape sequence, a noncharacter,
#: a carriage return, and a megabyte of text.
HOSTILE = r'''# base: solution
# loses: central_difference
# %% central_difference
def central_difference(f, x, h=1e-5):
    raise ValueError("]]> <script>alert(1)</script> \x00\x01\x0b\x0c\x1b[31m\uffff red\rline " + "x" * 1_000_000)
'''

#: Elements and attributes of the JUnit schema that junit-10.xsd (Jenkins' xunit plugin,
#: the flavour of pytest and of junitparser.xunit2) defines: element -> (children allowed,
#: attributes allowed, attributes required). The root is <testsuites> or <testsuite>.
RESULT = (set(), {"type", "message"}, set())
SCHEMA = {
    "testsuites": ({"testsuite"}, {"name", "time", "tests", "failures", "errors"}, set()),
    "testsuite": ({"testsuite", "properties", "testcase", "system-out", "system-err"},
                  {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp",
                   "hostname", "id", "package", "file", "log", "url"},
                  {"name", "tests", "failures", "errors"}),
    "properties": ({"property"}, set(), set()),
    "property": (set(), {"name", "value"}, {"name", "value"}),
    "testcase": ({"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure",
                  "flakyError", "system-out", "system-err"}, {"name", "time", "classname", "group"}, {"name"}),
    "failure": RESULT, "error": RESULT, "skipped": RESULT,
    "system-out": (set(), set(), set()), "system-err": (set(), set(), set()),
}
#: What XML 1.0 forbids in a document (outside its Char production).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- what the instructor's notebook says the chapter is worth ---------------------------------
def grade_cells() -> list[tuple[str, float, bool]]:
    """(grade_id, points, is a written answer) of the chapter's grade cells, from the
    nbgrader metadata of the instructor's notebook (not from the grader)."""
    nb = nbformat.read(ROOT / "solutions" / CHAPTER / NOTEBOOK, as_version=4)
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            found.append((meta["grade_id"], float(meta["points"]), bool(meta.get("solution"))))
    return found


def expected_scores(lost_exercise: str | None) -> tuple[float, float, float]:
    """(score, max_score, written_points) of a notebook right everywhere but `lost_exercise`."""
    tests = [(grade_id, points) for grade_id, points, written in grade_cells() if not written]
    total = sum(points for _, points in tests)
    lost = sum(points for grade_id, points in tests
               if lost_exercise and grade_id.startswith(f"test_{lost_exercise}_"))
    return total - lost, total, sum(points for _, points, written in grade_cells() if written)


# --- the text report, read back -----------------------------------------------------------------
CELL_LINE = re.compile(r"  \[(pass|FAIL| -- )\] (\S+)(?: \((\S+)\): ([\d.]+)/([\d.]+)|: .*\(([\d.]+) points\))$")


def read_text(stdout: str) -> dict:
    """The text report in `stdout`: its cells in order (grade_id, status, exercise, points,
    max_points, message) and its score line."""
    lines = stdout.splitlines()
    start = lines.index(f"{CHAPTER}: results of the visible and hidden tests")
    cells, score = [], None
    for line in lines[start + 1:]:
        if (found := CELL_LINE.match(line)):
            status, grade_id, exercise, points, maximum, manual = found.groups()
            cells.append({"grade_id": grade_id,
                          "status": {"pass": "pass", "FAIL": "fail", " -- ": "manual"}[status],
                          "exercise": exercise, "points": float(points) if points else None,
                          "max_points": float(maximum or manual), "message": None})
        elif line.startswith("         ") and cells:
            message = cells[-1]["message"]
            cells[-1]["message"] = line[9:] if message is None else message + "\n" + line[9:]
        elif line.startswith("autograded score:"):
            score = line
            break
    assert cells and score, stdout
    return {"cells": cells, "score": score}


# --- the runs ------------------------------------------------------------------------------------
def write_sample(root: Path, sample_file: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(assemble(root, CHAPTER, parse_sample(sample_file)), target)
    return target


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch self-study clone: the course, with one chapter notebook in course/ (the
    mistaken sample's), and the self-study files; beside it, the other two samples."""
    root = copy_course(tmp_path_factory.mktemp("clone"))
    for folder in (root / "course").iterdir():
        if folder.name != CHAPTER:
            shutil.rmtree(folder)
    shutil.copytree(SELF_STUDY, root / "deploy" / "self-study")
    mine = root / "course" / CHAPTER / NOTEBOOK
    write_sample(root, root / "samples" / CHAPTER / "cleo_one_sided.py", mine)
    elsewhere = tmp_path_factory.mktemp("notebooks")
    hostile = elsewhere / "hostile.py"
    hostile.write_text(HOSTILE, encoding="utf-8")
    return {"root": root, "mistaken": mine,
            "instructor": write_sample(root, root / "samples" / CHAPTER / "instructor.py",
                                       elsewhere / "instructor" / NOTEBOOK),
            "hostile": write_sample(root, hostile, elsewhere / "hostile" / NOTEBOOK),
            "reports": elsewhere}


@pytest.fixture(scope="module")
def mistaken_json(course):
    """`autograder check --format json` on the mistaken sample: the document on stdout."""
    return autograder(course["root"], "check", str(course["mistaken"]), "--format", "json", check=False)


@pytest.fixture(scope="module")
def instructor_json(course):
    """`--format json --output FILE` on the instructor's notebook: the file, and the text on stdout."""
    output = course["reports"] / "instructor" / "report.json"
    done = autograder(course["root"], "check", str(course["instructor"]), "--format", "json",
                      "--output", str(output), check=False)
    return done, output


@pytest.fixture(scope="module")
def hostile_junit(course):
    output = course["reports"] / "hostile.xml"
    done = autograder(course["root"], "check", str(course["hostile"]), "--format", "junit",
                      "--output", str(output), check=False)
    return done, output


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def run_steps() -> tuple[dict, list[dict]]:
    (job,) = workflow()["jobs"].values()
    return job, [step for step in job["steps"] if "run" in step]


@pytest.fixture(scope="module")
def workflow_run(course, tmp_path_factory):
    """The workflow's run steps after the install (the course is installed here), in the
    scratch clone, in the shell and with the variables a GitHub runner gives them."""
    job, steps = run_steps()
    install, *checks = steps
    assert install["run"].strip() == "python -m pip install -e .", "installs the course from the clone"
    summary = tmp_path_factory.mktemp("runner") / "step_summary.md"
    env = {**os.environ, **{k: str(v) for k, v in job.get("env", {}).items()},
           "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    env.pop("AUTOGRADER_ROOT", None)
    results = [subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=course["root"], env=env, text=True, capture_output=True, timeout=900)
               for step in checks]
    return {"results": results, "summary": summary, "steps": checks}


def junit_report(course) -> Path:
    _, steps = run_steps()
    folder = re.search(r"--reports\s+(\S+)", steps[-1]["run"]).group(1)
    return course["root"] / folder / f"{CHAPTER}.xml"


# --- JSON ----------------------------------------------------------------------------------------
def assert_json_agrees(document: dict, text: dict) -> None:
    assert [t["grade_id"] for t in document["tests"]] == [c["grade_id"] for c in text["cells"]]
    for test, cell in zip(document["tests"], text["cells"]):
        assert test["status"] == cell["status"], test["grade_id"]
        assert test["points"] == cell["points"], test["grade_id"]
        assert test["max_points"] == cell["max_points"], test["grade_id"]
        assert test["message"] == cell["message"], test["grade_id"]
        if cell["exercise"] is not None:
            assert test["exercise"] == cell["exercise"]


def test_json_of_a_mistake_says_what_the_text_says(mistaken_json, workflow_run):
    """The JSON document on stdout (nothing else there), against the text report of the same
    notebook (the workflow's log) and against the instructor's notebook's points."""
    assert mistaken_json.returncode == 1, mistaken_json.stderr
    document = json.loads(mistaken_json.stdout)
    text = read_text(workflow_run["results"][-1].stdout)
    assert_json_agrees(document, text)
    score, maximum, written = expected_scores("central_difference")
    assert (document["score"], document["max_score"], document["written_points"]) == (score, maximum, written)
    assert text["score"] == (f"autograded score: {score:g} of {maximum:g} points (and {written:g} points "
                             "of written answers, graded by your instructor)")
    assert (document["version"], document["chapter"], document["notebook"], document["language"]) == \
        (1, CHAPTER, NOTEBOOK, "en")
    failed = {t["grade_id"] for t in document["tests"] if t["status"] == "fail"}
    assert failed == {"test_central_difference_visible", "test_central_difference_hidden"}
    words = dict(FEEDBACK[CHAPTER])["cleo_one_sided"]
    hidden = next(t for t in document["tests"] if t["grade_id"] == "test_central_difference_hidden")
    assert words in hidden["message"] and hidden["message"].startswith("CheckFailure: ")
    assert "compare(" not in mistaken_json.stdout, "never the hidden test's code"
    manual = [t for t in document["tests"] if t["status"] == "manual"]
    assert [(t["grade_id"], t["points"], t["max_points"]) for t in manual] == \
        [(g, None, p) for g, p, w in grade_cells() if w]
    assert all(t["message"] is None for t in document["tests"] if t["status"] != "fail")


def test_json_of_full_marks_to_a_file_and_the_text_to_the_log(instructor_json):
    done, output = instructor_json
    assert done.returncode == 0, done.stderr
    document = json.loads(output.read_text(encoding="utf-8"))
    text = read_text(done.stdout)
    assert_json_agrees(document, text)
    score, maximum, written = expected_scores(None)
    assert (document["score"], document["max_score"], document["written_points"]) == (maximum, maximum, written)
    assert {t["status"] for t in document["tests"]} == {"pass", "manual"}
    assert [t["grade_id"] for t in document["tests"]] == [g for g, _, _ in grade_cells()]


# --- JUnit ---------------------------------------------------------------------------------------
def assert_schema(path: Path) -> ET.Element:
    """The file parses as XML (strictly) and uses only the schema's elements and attributes."""
    root = ET.parse(path).getroot()
    assert root.tag in ("testsuites", "testsuite")

    def walk(element):
        children, allowed, required = SCHEMA[element.tag]
        assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
        assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
        for child in element:
            assert child.tag in children, f"<{child.tag}> inside <{element.tag}>"
            walk(child)
    walk(root)
    return root


def assert_junit_agrees(path: Path, text: dict, score: float, maximum: float, written: float) -> None:
    assert_schema(path)
    (suite,) = list(JUnitXml.fromfile(str(path)))
    assert suite.name == CHAPTER
    assert {p.name: p.value for p in suite.properties()} == {
        "chapter": CHAPTER, "notebook": NOTEBOOK, "language": "en", "score": f"{score:g}",
        "max_score": f"{maximum:g}", "written_points": f"{written:g}"}
    cases = list(suite)
    assert [c.name for c in cases] == [c["grade_id"] for c in text["cells"]]
    for case, cell in zip(cases, text["cells"]):
        results = case.result
        if cell["status"] == "manual":
            assert [r._tag for r in results] == ["skipped"] and case.classname == cell["grade_id"]
            assert case.system_out == f"points: -/{cell['max_points']:g}"
            continue
        assert case.classname == cell["exercise"]
        assert case.system_out == f"points: {cell['points']:g}/{cell['max_points']:g}"
        if cell["status"] == "pass":
            assert results == [] and case.is_passed
        else:
            (failure,) = results
            assert failure._tag == "failure"
            assert failure.text == cell["message"]
            assert failure.message == cell["message"].split("\n")[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
        len(cases), sum(c["status"] == "fail" for c in text["cells"]), 0,
        sum(c["status"] == "manual" for c in text["cells"]))


def test_the_workflow_step_checks_the_notebook_writes_junit_and_the_summary(course, workflow_run):
    """The check step, as the runner runs it: the text report in the log, the JUnit file
    where the upload step takes it from, the score table in the job summary; a low score
    does not fail the job (FAIL_BELOW is empty in the template)."""
    (done,) = workflow_run["results"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    score, maximum, written = expected_scores("central_difference")
    assert f"::group::{CHAPTER}" in done.stdout and "::endgroup::" in done.stdout
    text = read_text(done.stdout)
    assert [c["status"] for c in text["cells"]].count("fail") == 2
    assert_junit_agrees(junit_report(course), text, score, maximum, written)
    summary = workflow_run["summary"].read_text(encoding="utf-8")
    rows = [line for line in summary.splitlines() if line.startswith("|")]
    assert rows[0].replace(" ", "") == "|chapter|score|"
    assert set(rows[1]) <= set("|-: ")
    assert rows[2:] == [f"| {CHAPTER} | {score:g} of {maximum:g} ({100 * score / maximum:.0f}%) |"]
    assert f"({written:g} points)" in summary


def test_the_workflow_uploads_the_reports_and_fails_no_push_for_a_score_by_default():
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers
    job, steps = run_steps()
    assert job["env"]["FAIL_BELOW"] == ""
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact"} <= set(uses)
    upload = uses["actions/upload-artifact"]
    folder = re.search(r"--reports\s+(\S+)", steps[-1]["run"]).group(1)
    assert upload["with"]["path"].rstrip("/") == folder and upload["if"] == "always()"
    assert "deploy/self-study/check_all.py" in steps[-1]["run"]


def load_check_all():
    spec = importlib.util.spec_from_file_location("self_study_check_all", SELF_STUDY / "check_all.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # where its dataclass looks its annotations up
    spec.loader.exec_module(module)
    return module


def test_fail_below_fails_the_job_only_when_a_chapter_scores_below_it():
    check_all = load_check_all()
    rows = [check_all.Row("01_numerical", 30.0, 33.0), check_all.Row("02_symbolic", 10.0, 10.0)]
    assert check_all.exit_status(rows, None) == 0
    assert check_all.exit_status(rows, 90.0) == 0          # 30/33 is 90.9%
    assert check_all.exit_status(rows, 95.0) == 1
    assert check_all.exit_status(rows + [check_all.Row("03_forward")], None) == 1, "not graded"


def test_check_all_names_an_unknown_chapter(course):
    done = subprocess.run([sys.executable, "deploy/self-study/check_all.py", "99_nothing"],
                          cwd=course["root"], text=True, capture_output=True, timeout=120)
    assert done.returncode == 2 and "unknown chapters 99_nothing" in done.stderr


def test_output_into_a_folder_is_refused_before_grading(course, tmp_path):
    done = autograder(course["root"], "check", str(course["mistaken"]), "--format", "junit",
                      "--output", str(tmp_path), check=False)
    assert done.returncode == 2 and "is a folder" in done.stderr


# --- hostile messages ----------------------------------------------------------------------------
def test_a_hostile_exception_gives_valid_bounded_junit_and_an_inert_log(hostile_junit):
    done, output = hostile_junit
    assert done.returncode == 1, done.stderr
    assert output.stat().st_size < 200_000, "a megabyte message does not make a megabyte report"
    raw = output.read_text(encoding="utf-8")
    assert not NOT_XML.search(raw)
    root = assert_schema(output)
    failures = list(root.iter("failure"))
    assert {f.get("message").split(":")[0] for f in failures} >= {"ValueError"}
    for failure in failures:
        assert len(failure.text) <= MESSAGE_LIMIT + 40
        assert not NOT_XML.search(failure.text + failure.get("message"))
    visible = next(f for f in failures if f.get("type") == "ValueError")
    assert visible.text.startswith("ValueError: ]]> <script>alert(1)</script> ") and " red\nline x" in visible.text
    assert "<script>" not in raw and "]]>" not in raw, "markup and CDATA ends are escaped"
    # The log: escape sequences shown, never sent to the terminal; lines bounded.
    text = read_text(done.stdout)
    assert "\x1b" not in done.stdout and "\\x1b[31m" in done.stdout
    assert all(len(line) < 2 * MESSAGE_LIMIT for line in done.stdout.splitlines())
    assert [c["status"] for c in text["cells"]].count("fail") >= 2


def hostile_result() -> CheckResult:
    message = ("Boom: ]]> <script>alert(1)</script> \x00\x07\x1b[2J\ud800\uffff\r\n"
               + "<![CDATA[ & ]]>" * 70_000)
    return CheckResult(CHAPTER, NOTEBOOK, "en", [
        CellResult("test_a_hidden", "a", 0.0, 2.0, "fail", message, "Boom\x1b]0;title\x07"),
        CellResult("test_a_visible", "a", 1.0, 1.0, "pass"),
        CellResult("written_a", "written_a", None, 3.0, "manual")])


def test_a_megabyte_of_markup_and_controls_gives_valid_bounded_json_and_xml(tmp_path):
    """The reports themselves, on a message no grading delivers (the sandbox cuts a
    student's exception at 4000 characters): a megabyte, with a lone surrogate."""
    result = hostile_result()
    assert len(result.cells[0].message) > 1_000_000
    document = json.loads(as_json(result))
    message = document["tests"][0]["message"]
    assert len(message) <= MESSAGE_LIMIT + 40 and message.endswith("more characters)")
    assert message.startswith("Boom: ]]> <script>alert(1)</script> [2J\n<![CDATA[ & ]]>")
    assert not NOT_XML.search(message)
    json.dumps(document, ensure_ascii=False).encode("utf-8")  # no lone surrogate left
    path = tmp_path / "report.xml"
    path.write_bytes(as_junit(result))
    assert path.stat().st_size < 3 * MESSAGE_LIMIT
    root = assert_schema(path)
    (failure,) = root.iter("failure")
    assert failure.text == message and failure.get("message") == message.split("\n")[0]
    assert failure.get("type") == "Boom]0;title"
    text = as_text(result)
    assert not any(not ch.isprintable() for ch in text.replace("\n", ""))
    assert len(text) < 3 * MESSAGE_LIMIT
