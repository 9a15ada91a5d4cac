"""Hostile and broken submissions, graded through the real pipeline with honest ones.

Each hostile submission attacks the grader one way (patching NumPy or IPython,
redefining the test helpers, reading the references, walking frames, tampering
with files, leaving processes behind, flooding the output, looping, exhausting
memory, killing its kernel, forging answers); each broken one is a file nbgrader
chokes on. The tests check that no undeserved point was given, that the honest
students were graded exactly as when they are graded alone, that nothing outside
the sandbox changed, and that no process survived.
"""
from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.samples import samples
from autograder.scores import exercise_of, read_scores

from .conftest import ROOT, assert_graded_as_declared, copy_course, keep_samples

CHAPTER = "01_numerical"
MARKER = "7321"  # in the argv of the processes a submission tries to leave behind

WRONG = '''
def forward_difference(f, x, h=1e-6): return 0.0 * x
def central_difference(f, x, h=1e-5): return 0.0 * x
def complex_step(f, x, h=1e-20): return 0.0 * x
def richardson(f, x, h=1e-3): return 0.0 * x
def step_errors(f, df, x, hs, method): return [0.0 for h in hs]
def numerical_gradient(f, x, h=1e-5): return 0.0 * x
def numerical_jacobian(f, x, h=1e-5): return 0.0
def relative_error(a, b, floor=1e-8): return 0.0
def gradient_check(f, grad_f, x, h=1e-5): return 0.0
'''

#: student -> (what the submission must lose, its forward_difference cell or other cells)
HOSTILE = {
    "h_patch_numpy": ("*", {"forward_difference": WRONG + '''
import numpy, numpy.testing
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), bool)
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
'''}),
    "h_redefine_helpers": ("*", {"forward_difference": WRONG + '''
def check_close(*args, **kwargs): return None
def compare(*args, **kwargs): return None
class CheckFailure(Exception): pass
import adcourse.checking
adcourse.checking.check_close = check_close
'''}),
    "h_input_transformer": ("*", {"forward_difference": WRONG + '''
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"])
import ast
class Blank(ast.NodeTransformer):
    def visit_Module(self, node): return ast.Module(body=[], type_ignores=[])
ip.ast_transformers.append(Blank())
'''}),
    "h_exception_handlers": ("*", {"forward_difference": WRONG + '''
import sys
ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
ip.showtraceback = lambda *a, **k: None
sys.excepthook = lambda *a: None
'''}),
    "h_read_references": ("*", {"forward_difference": '''
import glob, os
def _reference(name):
    try:
        import autograder.reference.numerical as ref
        return getattr(ref, name)
    except Exception:
        return None
def forward_difference(f, x, h=1e-6):
    found = _reference("forward_difference")
    return found(f, x, h) if found else 0.0 * x
LEAK = [p for p in glob.glob("/**/solutions/**/*.ipynb", recursive=True)][:3]
'''}),
    "h_frame_walk": ("*", {"central_difference": '''
import sys
def central_difference(f, x, h=1e-5):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "exact", "reference"):
            if name in frame.f_locals:
                return frame.f_locals[name]
        frame = frame.f_back
    return 0.0 * x
'''}),
    "h_tamper_files": ("*", {"forward_difference": WRONG + '''
import os, sqlite3
ROOT = {root!r}
for path in [ROOT + "/gradebook.db"]:
    try:
        con = sqlite3.connect(path); con.execute("UPDATE grade SET manual_score = 99"); con.commit()
    except Exception as exc:
        print("gradebook:", type(exc).__name__)
for folder, _, files in os.walk(ROOT):
    for name in files:
        try:
            with open(os.path.join(folder, name), "a") as handle:
                handle.write("tampered")
        except Exception:
            pass
try:
    open("/tmp/escaped-{marker}", "w").write("x")
except Exception as exc:
    print("tmp:", type(exc).__name__)
'''}),
    "h_background_process": ("*", {"forward_difference": WRONG + '''
import os, subprocess
subprocess.Popen(["sleep", "{marker}"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "{marker}1"])
    os._exit(0)
'''}),
    "h_huge_output": ("*", {"forward_difference": WRONG + '''
print("x" * 50_000_000)
'''}),
    "h_forged_result": ("central_difference, test_richardson_visible", {"central_difference": '''
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *a, **k):
        import numpy
        return numpy.array(0.0)
def central_difference(f, x, h=1e-5):
    return Anything(0.0)
'''}),
    "h_forged_replies": ("relative_error, gradient_check", {"relative_error": '''
def relative_error(a, b, floor=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)))
import adcourse.remote
adcourse.remote.handle = lambda text: '{{"ok": 1.0}}'
'''}),
    "h_infinite_loop": ("central_difference, test_richardson_visible", {"central_difference": '''
def central_difference(f, x, h=1e-5):
    while True:
        pass
'''}),
    "h_memory_bomb": ("complex_step", {"complex_step": '''
def complex_step(f, x, h=1e-20):
    hog = np.ones((1 << 38,))
    return hog[0]
'''}),
    "h_kill_kernel": ("step_errors, numerical_gradient, numerical_jacobian, relative_error, gradient_check",
                      {"step_errors": '''
import os
os._exit(1)
'''}),
}
HONEST = ("ada_complete", "kim_alternative", "untouched", "cleo_one_sided")


def write_sample(folder: Path, student: str, loses: str, cells: dict, base: str, root: Path):
    lines = [f"# hostile submission {student}", f"# base: {base}", f"# loses: {loses}"]
    for grade_id, source in cells.items():
        lines += [f"# %% {grade_id}", source.replace("{root!r}", repr(str(root))).replace("{marker}", MARKER)]
    (folder / f"{student}.py").write_text("\n".join(lines) + "\n")


def fingerprint(root: Path) -> dict[str, str]:
    """Hashes of every file a submission must not change."""
    kept = ("solutions", "course", "samples", "submitted", "nbgrader_config.py")
    result = {}
    for name in kept:
        for path in sorted((root / name).rglob("*")) if (root / name).is_dir() else [root / name]:
            if path.is_file():
                result[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def processes_marked(mark: str) -> list[int]:
    """Processes whose environment carries `mark` (inherited from a batch we started)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            pass
    return found


def leftover_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if f"sleep {MARKER}" in line]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("hostile"))
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.SealedExecute.timeout = 20\nc.SandboxKernelManager.memory_limit = '3G'\n")
    folder = root / "samples" / CHAPTER
    for path in folder.glob("*.py"):
        if path.stem not in HONEST:
            path.unlink()
    for student, (loses, cells) in HOSTILE.items():
        base = "blank" if loses == "*" else "solution"
        write_sample(folder, student, loses, cells, base, root)
    run = [sys.executable, "-m", "autograder", "--root", str(root)]
    subprocess.run(run + ["sample", CHAPTER], check=True, capture_output=True)
    broken = {
        "b_malformed_json": lambda p: p.write_text("{ this is not json"),
        "b_empty_file": lambda p: p.write_text(""),
        "b_renamed": lambda p: p.rename(p.with_name("my_numerical.ipynb")),
    }
    edited = {"b_newer_schema": _newer_schema, "b_duplicated_test_cell": _duplicate_test_cell,
              "b_deleted_and_retyped_cells": _delete_and_retype}
    rewritten = root / "submitted" / "h_rewritten_tests" / CHAPTER
    rewritten.mkdir(parents=True)
    nb = nbformat.read(root / "course" / CHAPTER / "numerical.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"  # an empty test cell would pass, were its text trusted
        elif cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = WRONG
    nbformat.write(nb, rewritten / "numerical.ipynb")
    good = root / "submitted" / "ada_complete" / CHAPTER / "numerical.ipynb"
    for student, change in {**broken, **edited}.items():
        target = root / "submitted" / student / CHAPTER
        target.mkdir(parents=True)
        (target / "numerical.ipynb").write_bytes(good.read_bytes())
        change(target / "numerical.ipynb")
    before = fingerprint(root)
    grading = subprocess.run(run + ["grade", CHAPTER], capture_output=True, text=True, timeout=1500)
    names, maximum, rows = read_scores(root, CHAPTER)
    return {"root": root, "before": before, "after": fingerprint(root), "grading": grading,
            "names": names, "maximum": maximum, "rows": {r.student: r for r in rows},
            "broken": set(broken), "edited": set(edited)}


def _newer_schema(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["schema_version"] = 99
    nbformat.write(nb, path)


def _duplicate_test_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "test_central_difference_hidden")
    copy = nbformat.from_dict(nb.cells[index])
    copy["id"] = "copied-test-cell"
    nb.cells.insert(index + 1, copy)
    nbformat.write(nb, path)


def _delete_and_retype(path: Path):
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_complex_step_hidden"]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_richardson_visible":
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    nbformat.write(nb, path)


def cell_scores(root: Path, student: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("numerical", CHAPTER, student)
        return {g.name: (g.score or 0.0, g.max_score) for g in nb.grades if not g.name.startswith("written")}


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_no_hostile_submission_gets_a_point_it_did_not_earn(batch, student):
    loses = [x.strip() for x in HOSTILE[student][0].split(",")]
    for cell, (score, top) in cell_scores(batch["root"], student).items():
        exercise = exercise_of(cell, batch["names"])
        if "*" in loses or exercise in loses:
            continue  # judged per exercise below
        if cell in loses:
            assert score < top, f"{student}: {cell}"
        else:
            assert score == top, f"{student} lost {cell}, which its attack does not touch"
    row = batch["rows"][student]
    for exercise in loses:
        if exercise == "*":
            assert row.total == 0.0, f"{student} got {row.total} points"
        elif exercise in batch["names"]:
            assert row.scores[exercise] < batch["maximum"][exercise], f"{student}: {exercise}"


def test_honest_students_are_graded_as_if_alone(batch):
    expected = {s.student: s.loses for s in samples(ROOT, CHAPTER) if s.student in HONEST}
    for student, loses in expected.items():
        for cell, (score, top) in cell_scores(batch["root"], student).items():
            exercise = exercise_of(cell, batch["names"])
            if "*" in loses:
                assert score == 0.0
            elif exercise not in loses and cell not in loses:
                assert score == top, f"{student}: {cell}"


def test_nothing_outside_the_sandbox_changed(batch):
    changed = [k for k in batch["before"] if batch["before"][k] != batch["after"].get(k)]
    assert not changed, changed
    assert not Path(f"/tmp/escaped-{MARKER}").exists()
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{batch['root'] / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(CHAPTER):
            for nb in sub.notebooks:
                assert all(g.manual_score is None for g in nb.grades)


def test_no_process_outlives_grading(batch):
    assert leftover_processes() == []


def test_output_is_bounded_in_the_graded_notebook_and_the_feedback(batch):
    root = batch["root"]
    assert (root / "autograded" / "h_huge_output" / CHAPTER / "numerical.ipynb").stat().st_size < 2_000_000
    assert (root / "feedback" / "h_huge_output" / CHAPTER / "numerical.html").stat().st_size < 2_000_000


def test_broken_files_score_zero_with_a_reason_and_the_batch_goes_on(batch):
    out = batch["grading"].stdout
    for student in batch["broken"]:
        assert student in batch["rows"], f"{student} has no grade"
        assert batch["rows"][student].total == 0.0
        page = (batch["root"] / "feedback" / student / CHAPTER / "numerical.html")
        assert page.is_file(), f"{student} got no feedback"
        assert "could not be graded" in html.unescape(page.read_text())
        assert re.search(rf"{student}.*(not readable|not found|could not)", out), out


def test_edited_metadata_is_graded_like_the_original(batch):
    full = cell_scores(batch["root"], "ada_complete")
    for student in batch["edited"]:
        assert cell_scores(batch["root"], student) == full, student


def test_rewritten_test_cells_are_ignored(batch):
    graded = batch["root"] / "autograded" / "h_rewritten_tests" / CHAPTER / "numerical.ipynb"
    assert graded.is_file(), "the notebook was graded, not turned away"
    assert batch["rows"]["h_rewritten_tests"].total == 0.0


def test_grade_log_says_whose_kernel_died(batch):
    assert re.search(r"STOPPED EARLY: h_kill_kernel: the kernel died", batch["grading"].stdout)


def test_grade_log_lists_the_active_protections(batch):
    graded = nbformat.read(batch["root"] / "autograded" / "ada_complete" / CHAPTER / "numerical.ipynb", 4)
    found = graded.metadata["autograder"]["sandbox"]
    assert found["landlock"].startswith("on") and found["workdir"] == "on"
    assert "sandbox:" in batch["grading"].stdout


def test_an_interrupted_parallel_batch_rerun_grades_everyone_exactly_once(tmp_path):
    """A batch of two workers killed in the middle (SIGKILL: nothing can clean up);
    the same command again grades only what was not recorded, each student once."""
    import os
    import signal
    import time

    from .test_batch import journal

    root = copy_course(tmp_path)
    keep = {"ada_complete", "cleo_one_sided", "untouched", "kim_alternative", "gia_transposed",
            "dan_factor_two", "erin_complex"}
    keep_samples(root, CHAPTER, keep)
    run = [sys.executable, "-m", "autograder", "--root", str(root)]
    subprocess.run(run + ["sample", CHAPTER], check=True, capture_output=True)
    mark = f"batch-{os.getpid()}-{time.time_ns()}"
    first = subprocess.Popen(run + ["grade", CHAPTER, "--workers", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True,
                             env={**os.environ, "AUTOGRADER_TEST_MARK": mark})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list((root / "feedback").glob(f"*/{CHAPTER}/*.html"))) < 2:
        time.sleep(0.1)
    time.sleep(0.5)  # while the workers are in the middle of the next submissions
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    time.sleep(1.0)
    assert processes_marked(mark) == [], "processes of the killed batch survive"
    recorded = {row.student for row in journal(root, CHAPTER)}
    assert 0 < len(recorded) < len(keep), f"the batch was killed after {len(recorded)} results"
    again = subprocess.run(run + ["grade", CHAPTER, "--workers", "2"], capture_output=True, text=True,
                           timeout=600)
    rest = len(keep) - len(recorded)
    assert (f"this run: {rest} graded, 0 failed, 0 flagged, {len(recorded)} already graded"
            in again.stdout), again.stdout + again.stderr
    assert f"graded {len(keep)} of {len(keep)} submissions" in again.stdout
    import tempfile
    orphans = [d.name for pattern in ("autograder-sandbox-*-*", "autograder-job-*-*")
               for d in Path(tempfile.gettempdir()).glob(pattern)
               if not Path(f"/proc/{d.name.split('-')[2]}").exists()]
    assert orphans == [], "the killed batch's sandbox and job folders were not swept"
    assert sorted(row.student for row in journal(root, CHAPTER)) == sorted(keep)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        subs = gb.assignment_submissions(CHAPTER)
        assert sorted(s.student_id for s in subs) == sorted(keep)
    assert not list((root / "autograded").glob(f"*/.{CHAPTER}.*")), "half-written folders are left"
    assert_graded_as_declared(root, CHAPTER, keep)
