"""Submissions that attack the grader's own side of sealed grading, graded through the
real pipeline (`autograder sample` + `autograder grade`) beside honest ones.

Each attack tries one way to get a point or to cost the grader without bound: switching
off a time limit or the library watch from inside the kernel, loading a banned library
from its files, answering with an object
whose own comparisons say "equal", making the grader compute for ever in a callback,
and replying with a message built to exhaust the grader's memory. The tests check that
no undeserved point was given, that the honest students are graded as when alone, and
(for the last two) the grader's peak memory and CPU time, counted from outside the
grading process.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.samples import samples
from autograder.scores import exercise_of, read_scores

from .conftest import ROOT, copy_course
from . import test_hostile_symbolic as symbolic
from .test_hostile import write_sample

pytestmark = pytest.mark.pipeline

YES = '''
class Yes:
    """Equal to, smaller and greater than anything."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __bool__(self): return True
    def __len__(self): return 1
    def __sub__(self, other): return 0.0
    __rsub__ = __add__ = __radd__ = __sub__
    def __abs__(self): return 0.0
    def __float__(self): return 0.0
    def __hash__(self): return 0
'''

HUGE = '''
import adcourse.remote
class _Huge:
    def __repr__(self):
        return "[" + "0," * {count} + "0]"
adcourse.remote.handle = lambda text: _Huge()
'''

SYMPY_DIFF = open(ROOT / "samples" / "02_symbolic" / "bo_sympy.py").read().split("# %% diff\n", 1)[1]

#: chapter -> (timeout of a test cell, honest students, {student: (loses, cells, base)})
CHAPTERS = {
    "01_numerical": (8, ("ada_complete", "cleo_one_sided"), {
        # Every answer wrong, gradient_check and relative_error answer with objects whose
        # comparisons are all true.
        "h_yes_objects": ("*", {"relative_error": YES + "def relative_error(a, b, floor=1e-8): return Yes()\n",
                                "gradient_check": YES + "def gradient_check(f, grad_f, x, h=1e-5): return Yes()\n"},
                          "blank"),
        # The isolated reference helper, a callback run by the grader, on a huge input:
        # quadratic work in the grading process.
        "h_callback_flood": ("gradient_check", {"gradient_check": '''
def gradient_check(f, grad_f, x, h=1e-5):
    try:
        numerical_gradient(f, np.zeros(400_000))
    except BaseException:
        pass
    return 0.0
'''}, "solution"),
        # Replies built to exhaust the grader's memory when parsed (2 million values), and
        # one longer than any message the grader accepts.
        "h_huge_reply": ("gradient_check", {"gradient_check": '''
def gradient_check(f, grad_f, x, h=1e-5):
    return relative_error(grad_f(x), numerical_gradient(f, x, h))
''' + HUGE.replace("{count}", "2_000_000")}, "solution"),
        "h_oversized_reply": ("gradient_check", {"gradient_check": '''
def gradient_check(f, grad_f, x, h=1e-5):
    return relative_error(grad_f(x), numerical_gradient(f, x, h))
''' + HUGE.replace("{count}", "40_000_000")}, "solution"),
    }),
    "02_symbolic": (20, ("kai_alternative", "cy_product_rule", "bo_sympy"), {
        # SymPy with the profiler switched off around it.
        "h_sympy_unwatched": ("diff", {"diff": SYMPY_DIFF + '''
import sys
print("GUARD", getattr(sys, "_adcourse_guard", None) is not None)
try:
    sys._adcourse_guard.__code__ = (lambda event, args: None).__code__
    print("REPLACED")
except RuntimeError as exc:
    print("REFUSED", exc)
_with_sympy = diff
def diff(expr, var):
    previous = sys.getprofile()
    try:
        sys.setprofile(None)
    except BaseException:
        pass
    try:
        return _with_sympy(expr, var)
    finally:
        try:
            sys.setprofile(previous)
        except BaseException:
            pass
'''}, "solution"),
        # SymPy in a thread of its own, and under another module name.
        "h_sympy_thread": ("diff", {"diff": SYMPY_DIFF + '''
import threading
_with_sympy = diff
def diff(expr, var):
    result = []
    worker = threading.Thread(target=lambda: result.append(_with_sympy(expr, var)))
    worker.start()
    worker.join()
    return result[0]
'''}, "solution"),
        # The stand-in removed, and SymPy looked for in every Python's package folders.
        "h_sympy_from_files": ("diff", {"diff": SYMPY_DIFF + '''
import glob, importlib, sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "adcourse.unavailable"]
for name in [m for m in sys.modules if m.split(".")[0] == "sympy"]:
    del sys.modules[name]
sys.path[:0] = sorted({p.rsplit("/", 1)[0] for prefix in (sys.prefix, sys.base_prefix, "/usr", "/usr/local")
                       for p in glob.glob(prefix + "/lib/python3*/*-packages/sympy")})
print("FOLDERS", len(sys.path))
importlib.invalidate_caches()
try:
    import sympy
    print("SYMPY LOADED", sympy.__version__)
except BaseException as exc:
    print("SYMPY REFUSED", type(exc).__name__)
'''}, "solution"),
        "h_yes_objects": ("simplify, count_nodes", {
            "simplify": YES + "def simplify(expr): return Yes()\n",
            "count_nodes": "def count_nodes(expr): return Yes()\n"}, "solution"),
        # Small answers that would make the grader work without bound (expression swell,
        # a chain of shared additions): tests/test_hostile_symbolic.py.
        **symbolic.submissions(),
    }),
    "04_reverse": (20, ("lia_alternative", "ned_recursive"), {
        # A right backward that switches off the kernel's alarm and takes 5.5 s a call
        # from a test (the notebook's own timing plots call it on large graphs too);
        # train_scalar_mlp, which calls it at every step, runs out of time too.
        "h_timer_off": ("backward, train_scalar_mlp", {"backward": symbolic.BY_THE_GRADER + '''
import signal, time
def backward(output):
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    order, visited = [], set()
    stack = [(output, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent, _ in node.parents if id(parent) not in visited)
    for node in order:
        node.grad = 0.0
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += node.grad * local
    if len(order) > 50 and _by_the_grader():
        time.sleep(5.5)
'''}, "solution"),
    }),
}

#: Runs a command and prints its descendants' resource use (they are all waited for).
MEASURE = ("import json, resource, subprocess, sys\n"
           "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
           "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
           "sys.stderr.write(done.stdout + done.stderr)\n"
           "print(json.dumps({'rc': done.returncode, 'max_rss_kib': use.ru_maxrss,\n"
           "                  'cpu': use.ru_utime + use.ru_stime}))\n")


@pytest.fixture(scope="module", params=sorted(CHAPTERS))
def graded(request, tmp_path_factory):
    chapter = request.param
    timeout, honest, hostile = CHAPTERS[chapter]
    root = copy_course(tmp_path_factory.mktemp(f"grader-{chapter}"), built=True)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.SealedExecute.timeout = {timeout}\n")
    folder = root / "samples" / chapter
    for path in folder.glob("*.py"):
        if path.stem not in honest:
            path.unlink()
    for student, (loses, cells, base) in hostile.items():
        write_sample(folder, student, loses, cells, base, root)
    run = [sys.executable, "-m", "autograder", "--root", str(root)]
    subprocess.run(run + ["sample", chapter], check=True, capture_output=True)
    measured = subprocess.run([sys.executable, "-c", MEASURE, *run, "grade", chapter, "--workers", "1"],
                              capture_output=True, text=True, timeout=1800)
    use = json.loads(measured.stdout.strip().splitlines()[-1])
    (root / "resource_use.json").write_text(json.dumps(use))  # kept for whoever reads the run
    assert use["rc"] == 0, measured.stderr[-5000:]
    names, maximum, rows = read_scores(root, chapter)
    return {"chapter": chapter, "root": root, "use": use, "log": measured.stderr, "names": names,
            "maximum": maximum, "rows": {r.student: r for r in rows}, "honest": honest,
            "hostile": hostile}


def cell_scores(root: Path, chapter: str, student: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    with Gradebook(course_db_url(root), course_id(root)) as gb:
        (notebook,) = gb.find_assignment(chapter).notebooks
        nb = gb.find_submission_notebook(notebook.name, chapter, student)
        return {g.name: (g.score or 0.0, g.max_score) for g in nb.grades if not g.name.startswith("written")}


def test_no_attack_on_the_grader_gets_a_point_it_did_not_earn(graded):
    chapter = graded["chapter"]
    for student, (loses, _, _) in graded["hostile"].items():
        lost = [x.strip() for x in loses.split(",")]
        row = graded["rows"][student]
        for cell, (score, top) in cell_scores(graded["root"], chapter, student).items():
            exercise = exercise_of(cell, graded["names"])
            if "*" in lost or exercise in lost:
                continue
            assert score == top, f"{student} lost {cell}, which its attack does not touch"
        for exercise in lost:
            if exercise == "*":
                assert row.total == 0.0, f"{student} got {row.total} points"
            else:
                assert row.scores[exercise] < graded["maximum"][exercise], f"{student}: {exercise}"


def test_the_attacks_lose_every_test_they_aim_at(graded):
    """Visible tests included: an object's own `<` or `==` passes none of them."""
    chapter = graded["chapter"]
    scores = cell_scores(graded["root"], chapter, "h_yes_objects") if "h_yes_objects" in graded["hostile"] else {}
    for cell, (score, _) in scores.items():
        if any(name in cell for name in ("gradient_check", "relative_error", "simplify", "count_nodes")):
            assert score == 0.0, f"h_yes_objects scored on {cell}"
    if chapter == "02_symbolic":  # the kernel, forked from the server, has the audit hook
        printed = printed_by(graded, "h_sympy_unwatched", "symbolic.ipynb")
        assert "GUARD True" in printed and "REFUSED" in printed and "REPLACED" not in printed, printed
        printed = printed_by(graded, "h_sympy_from_files", "symbolic.ipynb")
        assert "SYMPY REFUSED" in printed and "SYMPY LOADED" not in printed, printed
        assert "sympy is not available while this notebook is graded" in printed, printed
        assert "ban symengine, sympy: unreadable in the kernel" in graded["log"], graded["log"][-3000:]
    if chapter == "04_reverse":
        score, top = cell_scores(graded["root"], chapter, "h_timer_off")["test_backward_hidden"]
        assert score == 0.0
        assert "did not finish within 5 s" in printed_by(graded, "h_timer_off", "reverse.ipynb")


def printed_by(graded, student: str, notebook: str) -> str:
    """The text outputs and error messages of every code cell of the graded notebook."""
    import nbformat

    nb = nbformat.read(graded["root"] / "autograded" / student / graded["chapter"] / notebook, as_version=4)
    return "\n".join(str(output.get("text", "")) + str(output.get("evalue", "")) + "".join(output.get("traceback", []))
                     for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", []))


def test_honest_students_are_graded_as_if_alone(graded):
    chapter = graded["chapter"]
    declared = {s.student: s.loses for s in samples(ROOT, chapter) if s.student in graded["honest"]}
    for student, loses in declared.items():
        for cell, (score, top) in cell_scores(graded["root"], chapter, student).items():
            exercise = exercise_of(cell, graded["names"])
            if exercise not in loses and cell not in loses:
                assert score == top, f"{student}: {cell}"
            elif exercise in loses and cell.endswith("_hidden"):
                assert score < top or "visible" in cell, f"{student}: {cell}"


def test_the_grader_spends_bounded_memory_and_time_on_hostile_replies(graded):
    """Peak memory of the grading processes (the largest of them), and the CPU time of
    all of them, counted by the kernel for the whole `autograder grade`. Before the
    grader bounded its side, the 2-million-value reply alone took 2 GB to parse and the
    callback flood hours of CPU."""
    if graded["chapter"] != "01_numerical":
        pytest.skip("the memory and callback attacks are in 01_numerical")
    use = graded["use"]
    assert use["max_rss_kib"] < 1_000_000, use
    assert use["cpu"] < 400, use
    for student in ("h_huge_reply", "h_oversized_reply", "h_callback_flood"):
        assert student in graded["rows"], f"{student} has no grade"


def test_answers_that_would_make_the_grader_work_without_bound_fail_within_bounds(graded):
    """Chapter 02's swelling `diff` and chained `simplify` fail, saying why, in bounded
    feedback, and the grader's peak memory stays under its bound."""
    if graded["chapter"] != "02_symbolic":
        pytest.skip("the answers that swell are in 02_symbolic")
    rows, root = graded["rows"], graded["root"]
    assert rows["h_swelling_diff"].scores["diff"] == 0.0
    assert rows["h_chained_simplify"].scores["simplify"] == 0.0
    assert graded["use"]["max_rss_kib"] * 1024 < symbolic.GRADER_BOUND, graded["use"]
    feedback = {s: "".join(p.read_text() for p in (root / "feedback" / s / "02_symbolic").glob("*.html"))
                for s in ("h_swelling_diff", "h_chained_simplify")}
    assert "32,767 nodes when printed as a tree" in feedback["h_swelling_diff"]
    assert "distinct nodes: larger than" in feedback["h_chained_simplify"]  # measured, not timed out
    assert "no answer within the time limit" not in feedback["h_chained_simplify"]
    for student, page in feedback.items():
        assert len(page) < 2_000_000, (student, len(page))
