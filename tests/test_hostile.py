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
import os
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
pytestmark = pytest.mark.pipeline


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
    # An answer that never returns, in an exercise no other cell calls, and called by the
    # answer cell itself: that cell (not a test) and the exercise's visible and hidden
    # tests each run to the cell's time limit, and the cells after them are graded.
    "h_infinite_loop": ("numerical_jacobian", {"numerical_jacobian": '''
def numerical_jacobian(f, x, h=1e-5):
    while True:
        pass
numerical_jacobian(np.sin, np.zeros(1))
'''}),
    "h_memory_bomb": ("complex_step", {"complex_step": '''
def complex_step(f, x, h=1e-20):
    hog = np.ones((1 << 38,))
    return hog[0]
'''}),
    "h_kill_kernel": ("step_errors, numerical_gradient, numerical_jacobian, directional_difference, "
                      "numerical_hessian, relative_error, gradient_check",
                      {"step_errors": '''
import os
os._exit(1)
'''}),
    # Secrets of the grader's environment, looked for everywhere a kernel could find them:
    # its environment, /proc, the stack it was forked with, its objects, its whole memory.
    "h_secrets": ("*", {"forward_difference": WRONG + r'''
import gc, os, re, sys
WANTED = re.compile(rb"(PGPASSWORD|JUPYTERHUB_API_TOKEN|AWS_SECRET_ACCESS_KEY|DATABASE_URL)[=\x00'\": ]{1,4}[^\x00\n]{0,80}")
found = set()
def look(data):
    for match in WANTED.finditer(data if isinstance(data, bytes) else str(data).encode(errors="replace")):
        found.add(match.group(0)[:120])
look("\x00".join(f"{k}={v}" for k, v in os.environ.items()))
for pid in ("self", "1", str(os.getppid())):
    try:
        look(open(f"/proc/{pid}/environ", "rb").read())
    except OSError:
        pass
for frame in sys._current_frames().values():
    while frame is not None:
        look(repr(frame.f_locals)[:200_000])
        frame = frame.f_back
for thing in gc.get_objects():
    if isinstance(thing, dict):
        look(repr(thing)[:20_000])
scanned = 0
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
    for line in maps:
        span, perms = line.split()[:2]
        if not perms.startswith("rw"):
            continue
        start, end = (int(x, 16) for x in span.split("-"))
        for at in range(start, end, 1 << 24):
            try:
                mem.seek(at)
                chunk = mem.read(min(1 << 24, end - at) + 128)
            except (OSError, OverflowError, ValueError, MemoryError):
                break
            look(chunk)
            scanned += len(chunk)
print(f"SCANNED {scanned} bytes; FOUND {sorted(found)}")
'''}),
    # System files and other processes: shadow files, other processes' environment and
    # command line, the machine's socket tables, the mounts.
    "h_system_files": ("*", {"forward_difference": WRONG + r'''
import os
paths = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/proc/net/unix", "/proc/net/tcp",
         "/proc/self/net/unix", "/proc/self/mountinfo", "/proc/self/root/etc/shadow",
         "/root/.bash_history", "/dev/tty"]
paths += [f"/proc/{pid}/{what}" for pid in [1, os.getppid(), *range(2, 400)] if pid != os.getpid()
          for what in ("environ", "cmdline")]
for path in paths:
    try:
        with open(path, "rb") as stream:
            stream.read(1)
        print("READ", path)
    except OSError as exc:
        if path.startswith("/etc/") or path.startswith("/proc/net") or path.startswith("/proc/self"):
            print("DENIED", path, type(exc).__name__)
for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
    try:
        print("FD", fd, os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        pass
print("WORKDIR", os.getcwd())
'''}),
    # Writes to the kernel's own standard streams: an escape sequence that retitles the
    # terminal and a forged line of the grade log.
    "h_terminal": ("*", {"forward_difference": WRONG + r'''
import os, sys
forged = b"\x1b]0;pwned-{marker}\x07\x1b[32m  FORGED-{marker} alice 30.0 / 30\x1b[0m\n"
os.write(1, forged)
os.write(2, forged)
sys.__stderr__.write(forged.decode())
sys.__stderr__.flush()
'''}),
    # The disk: ten files of 64 MB (the per-file limit) in its folder, and one beside it.
    "h_disk": ("*", {"forward_difference": WRONG + r'''
import os
written = 0
for i in range(10):
    try:
        with open(f"big{i}", "wb") as stream:
            for _ in range(64):
                stream.write(b"x" * 2**20)
                written += 2**20
    except OSError as exc:
        print("STOPPED", exc.errno)
        break
print("WROTE", written)
for target in ("../../big", "../../kernel-9", "/tmp/big-{marker}"):
    try:
        open(target, "wb").write(b"x")
        print("WROTE BESIDE", target)
    except OSError:
        pass
'''}),
    # Output printed while the cell runs, flushed as it goes: 400 MB in 4 MB chunks.
    "h_flood": ("*", {"forward_difference": WRONG + r'''
import sys
chunk = "y" * (4 * 2**20)
for _ in range(100):
    sys.stdout.write(chunk)
    sys.stdout.flush()
'''}),
}
HONEST = ("ada_complete", "kim_alternative", "untouched", "cleo_one_sided")
#: What the grading process's environment holds; no kernel may learn any of it.
SECRETS = {"PGPASSWORD": f"pg-secret-{MARKER}-a", "JUPYTERHUB_API_TOKEN": f"hub-token-{MARKER}-b",
           "AWS_SECRET_ACCESS_KEY": f"aws-secret-{MARKER}-c",
           "DATABASE_URL": f"postgresql://grader:db-secret-{MARKER}-d@localhost/gradebook"}
#: Files a student puts beside the notebook: none may travel.
BESIDE = {"numpy.py": "raise SystemExit('the student numpy.py was imported')\n",
          "sitecustomize.py": "open('/tmp/escaped-%s', 'w')\n" % MARKER,
          "evil.pth": "import os; os.system('touch /tmp/escaped-%s')\n" % MARKER,
          "notes.txt": "x\n"}


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
    root = copy_course(tmp_path_factory.mktemp("hostile"), built=True)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.SealedExecute.timeout = 10\nc.SandboxKernelManager.memory_limit = '3G'\n")
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
              "b_deleted_and_retyped_cells": _delete_and_retype, "h_other_kernel": _other_kernel,
              "h_files_beside": _files_beside, "h_forged_status": _forged_status}
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
    process = subprocess.Popen(run + ["grade", CHAPTER], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **SECRETS})
    with GraderMemory(process.pid) as memory:
        stdout, stderr = process.communicate(timeout=1500)
    grading = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    names, maximum, rows = read_scores(root, CHAPTER)
    return {"root": root, "before": before, "after": fingerprint(root), "grading": grading,
            "grader_peak": memory.peak, "grader_virtual": memory.virtual,
            "names": names, "maximum": maximum, "rows": {r.student: r for r in rows},
            "broken": set(broken), "edited": set(edited)}


class GraderMemory:
    """The largest resident memory of the grading processes (the coordinator and its
    workers, not the kernels), read from /proc while they run: measured from outside."""

    def __init__(self, pid: int):
        import threading

        self.pid, self.peak, self.virtual, self._done = pid, {}, {}, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()

    def _watch(self):
        while not self._done.wait(0.05):
            for pid in self._grading_processes():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
                except OSError:
                    continue
                peak = next((int(line.split()[1]) * 1024 for line in status.splitlines()
                             if line.startswith("VmHWM")), 0)
                virtual = next((int(line.split()[1]) * 1024 for line in status.splitlines()
                                if line.startswith("VmPeak")), 0)
                key = f"{pid} {cmdline}"
                self.peak[key] = max(self.peak.get(key, 0), peak)
                self.virtual[key] = max(self.virtual.get(key, 0), virtual)

    def _grading_processes(self) -> list[int]:
        """The coordinator and its direct children (the workers; kernels are the fork servers')."""
        found = [self.pid]
        try:
            for task in Path(f"/proc/{self.pid}/task").iterdir():
                found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
        return [pid for pid in found if "forkserver" not in _cmdline(pid)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _forged_status(path: Path):
    nb = nbformat.read(path, as_version=4)
    nb.metadata["autograder"] = {"stopped": f"\x1b]0;pwned-{MARKER}\x07FORGED-{MARKER}: regrade by hand",
                                 "sandbox": {"landlock": "on"}}
    nbformat.write(nb, path)


def _other_kernel(path: Path):
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "mine", "language": "python"}
    nbformat.write(nb, path)


def _files_beside(path: Path):
    for name, text in BESIDE.items():
        (path.parent / name).write_text(text)
    (path.parent / "lib").mkdir()
    (path.parent / "lib" / "numpy.py").write_text(BESIDE["numpy.py"])


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


def test_a_cell_that_never_ends_is_interrupted_and_the_rest_is_graded(batch):
    """Not a test cell: nbgrader interrupts the kernel at the cell's time limit, the
    notebook is not stopped, and the exercises after it keep their marks."""
    graded = nbformat.read(batch["root"] / "autograded" / "h_infinite_loop" / CHAPTER / "numerical.ipynb", 4)
    interrupted = [cell for cell in graded.cells if cell.cell_type == "code"
                   and not cell.metadata.get("nbgrader", {}).get("grade")
                   and any(o.get("ename") in ("KeyboardInterrupt", "CellTimeoutError") for o in cell.outputs)]
    assert [c.metadata["nbgrader"].get("grade_id") for c in interrupted] == ["numerical_jacobian"], interrupted
    assert graded.metadata["autograder"].get("stopped") is None, graded.metadata["autograder"]
    row = batch["rows"]["h_infinite_loop"]
    assert row.scores["relative_error"] == batch["maximum"]["relative_error"]
    assert row.scores["gradient_check"] == batch["maximum"]["gradient_check"]


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

    root = copy_course(tmp_path, built=True)
    keep = {"ada_complete", "cleo_one_sided", "untouched", "kim_alternative", "dan_factor_two"}
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
    # Two results are in and the workers are on the next submissions: kill everything now.
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    # Its kernels and fork servers die with their parents (PR_SET_PDEATHSIG): poll for it.
    deadline = time.monotonic() + 30
    while processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
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


def outputs_of(root: Path, student: str) -> str:
    """Everything the student's answer cells printed, in the graded notebook."""
    graded = nbformat.read(root / "autograded" / student / CHAPTER / "numerical.ipynb", as_version=4)
    return "".join(output.get("text", "") for cell in graded.cells if cell.cell_type == "code"
                   and not cell.metadata.get("nbgrader", {}).get("grade")
                   for output in cell.get("outputs", []))


def test_no_secret_of_the_grader_reaches_any_kernel(batch):
    root = batch["root"]
    printed = outputs_of(root, "h_secrets")
    scanned = re.search(r"SCANNED (\d+) bytes; FOUND (.*)", printed)
    assert scanned and int(scanned.group(1)) > 10_000_000, f"the attack did not run: {printed[:2000]}"
    assert scanned.group(2) == "[]", scanned.group(0)
    for folder in ("autograded", "feedback"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                leaked = [name for name, value in SECRETS.items() if value.encode() in data]
                assert not leaked, f"{path.relative_to(root)} holds {leaked}"


def test_system_files_other_processes_and_socket_tables_are_unreadable(batch):
    printed = outputs_of(batch["root"], "h_system_files")
    assert "DENIED /etc/shadow" in printed and "DENIED /proc/net/unix" in printed, printed[:3000]
    assert "DENIED /proc/self/root/etc/shadow" in printed and "DENIED /proc/self/mountinfo" in printed
    assert "READ " not in printed, [line for line in printed.splitlines() if line.startswith("READ")]
    # Its descriptors: its own workdir, sockets (its channels, among them the one to its
    # grader), pipes, /dev/null, and Matplotlib's fonts that the fork server's plot warm-up
    # loaded (opened again by the kernel, read-only: autograder.sandbox.warmup); nothing of the grader's.
    import matplotlib

    fonts = os.path.join(matplotlib.get_data_path(), "fonts") + os.sep
    workdir = re.search(r"^WORKDIR (\S+)", printed, re.M).group(1)
    targets = re.findall(r"^FD (\d+) (.*)$", printed, re.M)
    assert len(targets) >= 3, printed[-3000:]
    foreign = [(fd, target) for fd, target in targets
               if not (target.startswith((workdir, "socket:", "pipe:", "anon_inode:", "/dev/null", fonts))
                       or target.startswith("/proc/") and target.endswith("/fd"))]
    assert foreign == [], foreign
    assert int(targets[0][0]) == 0 and targets[0][1] == "/dev/null", targets[:3]


def test_the_grade_log_shows_nothing_a_student_wrote_raw(batch):
    log = batch["grading"].stdout + batch["grading"].stderr
    assert f"FORGED-{MARKER}" not in log and f"pwned-{MARKER}" not in log
    assert "\x1b]" not in log, "an escape sequence reached the grader's terminal"
    assert f"FORGED-{MARKER}" in outputs_of(batch["root"], "h_terminal"), "the attack did not run"
    assert "h_forged_status" not in [line.split(":")[0].split()[-1] for line in log.splitlines()
                                     if "STOPPED EARLY" in line], "a status the submission wrote"


def test_only_notebooks_travel(batch):
    root = batch["root"]
    for folder, kept in (("autograded", {"numerical.ipynb"}), ("feedback", {"numerical.html"})):
        found = {p.relative_to(root / folder / "h_files_beside" / CHAPTER).as_posix()
                 for p in (root / folder / "h_files_beside" / CHAPTER).rglob("*")}
        assert found == kept, f"{folder}: {sorted(found)}"
    assert not Path(f"/tmp/escaped-{MARKER}").exists()
    assert cell_scores(root, "h_files_beside") == cell_scores(root, "ada_complete")
    log = batch["grading"].stdout
    assert re.search(r"h_files_beside: left out of grading: .*numpy\.py", log), log


def test_the_course_kernelspec_grades_every_submission(batch):
    root = batch["root"]
    assert cell_scores(root, "h_other_kernel") == cell_scores(root, "ada_complete")
    graded = nbformat.read(root / "autograded" / "h_other_kernel" / CHAPTER / "numerical.ipynb", 4)
    course = nbformat.read(root / "solutions" / CHAPTER / "numerical.ipynb", 4)
    assert graded.metadata["kernelspec"] == course.metadata["kernelspec"]


#: What a grading process (the coordinator or a worker) may hold at most, whatever the
#: submissions do (the kernels have their own limits).
GRADER_MEMORY_CAP = 1 << 30


def test_the_grading_processes_stay_within_their_memory_cap(batch):
    peaks = batch["grader_peak"]
    assert len(peaks) >= 2, f"the coordinator and its workers were not seen: {peaks}"
    print("peak resident memory of the grading processes (MiB):", {k: v >> 20 for k, v in peaks.items()})
    print("peak address space (MiB):", {k: v >> 20 for k, v in batch["grader_virtual"].items()})
    over = {k: v >> 20 for k, v in peaks.items() if v > GRADER_MEMORY_CAP}
    assert not over, f"MiB: {over}"


def test_output_printed_while_a_cell_runs_is_bounded_as_it_arrives(batch):
    root = batch["root"]
    printed = outputs_of(root, "h_flood")
    assert "the rest was dropped while it ran" in printed
    assert (root / "autograded" / "h_flood" / CHAPTER / "numerical.ipynb").stat().st_size < 2_000_000


def test_a_kernel_s_files_in_all_are_held_to_the_disk_quota(batch):
    printed = outputs_of(batch["root"], "h_disk")
    written = int(re.search(r"WROTE (\d+)", printed).group(1))
    assert "WROTE BESIDE" not in printed, printed
    graded = nbformat.read(batch["root"] / "autograded" / "h_disk" / CHAPTER / "numerical.ipynb", 4)
    if graded.metadata["autograder"]["sandbox"]["disk"].startswith("on"):
        assert "STOPPED 28" in printed and written <= 256 * 2**20, printed  # ENOSPC at the quota
    else:
        assert "disk off" in batch["grading"].stdout
