"""Hidden tests through the sealed protocol in-process (`autograder.sealed.Loopback`):
the checking API takes the proxy branch grading takes (`call_each`, `with_globals`,
`watching`, `within`), and every answer crosses the wire and its checks.

The same paths through real sandboxed kernels are in tests/test_pipeline.py and
tests/test_hostile_grader.py.
"""
from __future__ import annotations

import ast
import json
import re

import numpy as np
import pytest

from adcourse import wire
from autograder.cases import numerical as cases
from autograder.checking import CheckFailure, compare
from autograder.reference import numerical as ref
from autograder.sealed import KernelUnavailable, NotData, Remote, RemoteError, run_test_cell

from ..conftest import ROOT
from ..loopback import answer_cells, loopback, run_test

RIGHT_FORWARD = "def forward_difference(f, x, h=1e-6):\n    return (f(x + h) - f(x)) / h\n"
BACKWARD_FORWARD = "def forward_difference(f, x, h=1e-6):\n    return (f(x) - f(x - h)) / h\n"


def hidden_forward_difference(forward_difference):
    """A hidden test as `autograder.hidden` writes them: called with the student's function."""
    compare(forward_difference, "numerical.forward_difference", cases.derivative_cases(seed=101),
            policy="finite_difference")


def hidden_gradient_check():
    """A hidden test as a cell's source: the body of this function."""
    from autograder.cases import numerical as cases
    from autograder.checking import compare
    compare(gradient_check, "numerical.gradient_check",  # noqa: F821 (the student's)
            cases.gradient_check_cases(seed=109), policy="finite_difference",
            isolate=("relative_error", "numerical_gradient"))


# --- compare against the reference ---------------------------------------------------------

def test_a_right_answer_passes_and_a_wrong_one_fails_naming_the_mistake():
    assert run_test(hidden_forward_difference, answer_cells(RIGHT_FORWARD)).error is None
    error = run_test(hidden_forward_difference, answer_cells(BACKWARD_FORWARD)).error
    assert isinstance(error, CheckFailure)
    assert "of `forward_difference` failed" in str(error) and "a backward difference" in str(error)


GRADIENT_CHECK = """
import numpy as np

def relative_error(a, b, floor=1e-8):
    raise NotImplementedError()

def numerical_gradient(f, x, h=1e-5):
    return np.zeros(np.shape(x))

def gradient_check(f, grad_f, x, h=1e-5):
    return relative_error(grad_f(x), numerical_gradient(f, x, h))
"""


def test_isolated_helpers_are_the_graders_called_back_from_the_kernel():
    # The student's own helpers are wrong or unanswered: only the references, called
    # back over the loopback, make this gradient_check right.
    assert run_test(hidden_gradient_check, answer_cells(GRADIENT_CHECK)).error is None
    wrong = GRADIENT_CHECK.replace("return relative_error(grad_f(x), numerical_gradient(f, x, h))",
                                   "return relative_error(grad_f(x), numerical_gradient(f, x, 10 * h))")
    error = run_test(hidden_gradient_check, answer_cells(wrong)).error
    assert isinstance(error, CheckFailure) and "of `gradient_check` failed" in str(error)


def test_callbacks_stop_working_when_the_test_cell_ends():
    student = answer_cells("kept = []\n"
                           "def keep(f):\n    kept.append(f)\n    return f(2.0)\n"
                           "def later():\n    return kept[0](3.0)\n")
    bridge = loopback(student)
    _, error = run_test_cell(bridge, "assert keep(lambda x: x + 1) == 3.0", "test keep", {"keep"}, 10)
    assert error is None
    _, error = run_test_cell(bridge, "later()", "test later", {"later"}, 10)
    assert isinstance(error, RemoteError) and "no longer available" in str(error)


# --- the protocol: call_each, copy-back, errors ----------------------------------------------

def test_call_each_answers_each_argument_list_or_its_error():
    student = answer_cells("def scaled(x, factor=2):\n    return factor / x\n")
    scaled = loopback(student).lookup({"scaled"})["scaled"]
    results = scaled.call_each([((1.0,), {}), ((4.0,), {"factor": 8}), ((0.0,), {}),
                                ((np.arange(1.0, 4.0),), {})])
    assert results[:2] == [(2.0, None), (2.0, None)]
    assert isinstance(results[2], RemoteError) and results[2].ename == "ZeroDivisionError"
    assert "`return factor / x` (line 2 of its cell)" in results[2].line
    np.testing.assert_array_equal(results[3][0], [2.0, 1.0, 2 / 3])


def test_what_the_students_function_does_to_an_array_is_copied_back():
    student = answer_cells("def bump(x):\n    x[0] += 1\n    return float(x.sum())\n")
    bump = loopback(student).lookup({"bump"})["bump"]
    array = np.zeros(3)
    assert bump(array) == 1.0 and array.tolist() == [1.0, 0.0, 0.0]
    arrays = [np.zeros(2), np.ones(2)]
    bump.call_each([((a,), {}) for a in arrays])
    assert [a.tolist() for a in arrays] == [[1.0, 0.0], [2.0, 1.0]]


def test_an_input_modified_in_place_fails_the_hidden_test():
    student = dict(vars(ref))
    student["numerical_gradient"] = lambda f, x, h=1e-5: _modifies(x, ref.numerical_gradient(f, x, h))

    def hidden():
        from autograder.cases import numerical as cases
        from autograder.checking import compare
        compare(numerical_gradient, "numerical.numerical_gradient",  # noqa: F821 (the student's)
                cases.gradient_cases(seed=106), policy="finite_difference")

    error = run_test(hidden, student, exercises={"numerical_gradient"}).error
    assert isinstance(error, CheckFailure) and "modified its argument 2 in place" in str(error)


def _modifies(x, result):
    if isinstance(x, np.ndarray) and x.size:
        x.flat[0] += 1.0
    return result


def test_an_answer_that_is_not_data_fails_the_test_that_asked_for_data():
    student = answer_cells("class Yes:\n    def __eq__(self, other):\n        return True\n"
                           "    def __lt__(self, other):\n        return True\n"
                           "def relative_error(a, b, floor=1e-8):\n    return Yes()\n")
    error = run_test("from autograder.cases import numerical as cases\n"
                     "from autograder.checking import compare\n"
                     "compare(relative_error, 'numerical.relative_error', "
                     "cases.relative_error_cases(seed=108), policy='exact')\n",
                     student, exercises={"relative_error"}).error
    assert isinstance(error, CheckFailure)
    assert "returned an object of your class Yes, not a number or an array" in str(error)
    error = run_test("check_close(relative_error(1.0, 2.0), 0.5, 'exact', 'relative_error(1, 2)')",
                     student, exercises={"relative_error"}).error
    assert isinstance(error, CheckFailure) and "your class Yes" in str(error)
    for question in ("assert relative_error(1.0, 2.0) == 0.5", "assert relative_error(1.0, 2.0) < 1"):
        error = run_test(question, student, exercises={"relative_error"}).error
        assert isinstance(error, NotData), question


def test_a_name_the_student_did_not_define_fails_the_test():
    error = run_test(hidden_forward_difference, answer_cells(), exercises={"forward_difference"}).error
    assert isinstance(error, NameError) and "forward_difference" in str(error)


def test_an_error_in_the_students_function_is_reported_with_its_line():
    student = answer_cells("import numpy as np\n",
                           "def forward_difference(f, x, h=1e-6):\n"
                           "    slope = (f(x + h) - f(x)) / h\n"
                           "    return slope[0]\n")
    error = run_test(hidden_forward_difference, student).error
    assert isinstance(error, CheckFailure)
    assert re.search(r"`forward_difference` raised IndexError: .* at `return slope\[0\]` "
                     r"\(line 3 of its cell\)", str(error)), error
    unanswered = answer_cells("def forward_difference(f, x, h=1e-6):\n    raise NotImplementedError()\n")
    error = run_test(hidden_forward_difference, unanswered).error
    assert str(error).startswith("`forward_difference` is not answered yet")


def test_a_call_past_its_time_limit_fails_with_the_line_it_was_at():
    student = answer_cells("def forward_difference(f, x, h=1e-6):\n"
                           "    while True:\n"
                           "        x = x + 0\n")
    error = run_test("from autograder.cases import numerical as cases\n"
                     "from autograder.checking import compare\n"
                     "compare(forward_difference, 'numerical.forward_difference',\n"
                     "        cases.derivative_cases(seed=101)[:2], policy='finite_difference', seconds=0.2)\n",
                     student).error
    assert isinstance(error, CheckFailure) and "2 of 2 test cases" in str(error)
    assert "TimeLimitExceeded: did not finish within 0.2 s" in str(error)
    assert "(line 3 of its cell)" in str(error) or "(line 2 of its cell)" in str(error)


def test_a_call_past_the_test_cells_time_makes_the_kernel_unavailable():
    student = answer_cells("def forever():\n    while True:\n        pass\n")
    outcome = run_test("forever()", student, seconds=0.3)
    assert isinstance(outcome.error, KernelUnavailable)
    assert "no answer within the time limit of the test" in str(outcome.error)


# --- the wire's limits ------------------------------------------------------------------------

@pytest.fixture
def parsed(monkeypatch):
    """The length of every JSON text parsed here (grader and kernel end alike)."""
    lengths = []
    loads = json.loads

    def spy(text, *args, **kwargs):
        lengths.append(len(text))
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(wire.json, "loads", spy)
    return lengths


@pytest.mark.parametrize("answer, refused", [
    (f"[0] * {wire.MAX_VALUES + 1}", "values"),
    (f"'x' * {wire.MAX_MESSAGE_CHARS + 1}", "characters"),
])
def test_a_reply_over_the_wires_limits_is_refused_before_it_is_parsed(parsed, answer, refused):
    student = answer_cells(f"def huge():\n    return {answer}\n")
    error = run_test("huge()", student).error
    assert isinstance(error, KernelUnavailable) and "not well-formed data" in str(error)
    assert refused in str(error)
    assert max(parsed) < 1000, "the reply was parsed"


def test_a_callback_request_over_the_limits_is_refused_before_the_test_function_runs(parsed):
    student = answer_cells(f"def flood(f):\n    return f([0] * {wire.MAX_VALUES + 1})\n")
    error = run_test("called = []\n"
                     "try:\n"
                     "    flood(lambda values: called.append(1))\n"
                     "finally:\n"
                     "    assert called == [], 'the test function ran'\n", student).error
    assert isinstance(error, RemoteError) and "values" in str(error)
    assert max(parsed) < 1000


# --- the library watch ------------------------------------------------------------------------

def test_a_watched_function_that_calls_sympy_reports_library_used():
    student = answer_cells("def by_sympy(x):\n"
                           "    import sympy\n"
                           "    t = sympy.Symbol('t')\n"
                           "    return float(sympy.diff(t ** 3, t).subs(t, x))\n",
                           "def by_hand(x):\n    return 3 * x ** 2\n")
    found = loopback(student).lookup({"by_sympy", "by_hand"})
    assert found["by_sympy"](2.0) == 12.0  # unwatched
    with pytest.raises(RemoteError, match="computed with sympy") as used:
        found["by_sympy"].watching(("sympy",))(2.0)
    assert used.value.ename == "LibraryUsed"
    assert found["by_hand"].watching(("sympy",))(2.0) == 12.0
    results = found["by_sympy"].watching(("sympy",)).call_each([((1.0,), {}), ((2.0,), {})])
    assert all(isinstance(r, RemoteError) and r.ename == "LibraryUsed" for r in results)


# --- chapter 01 end to end: the notebook's hidden tests -----------------------------------------

def _hidden_tests() -> dict[str, str]:
    """The instructor notebook's hidden test cells, by the exercise each uses."""
    notebook = json.loads((ROOT / "solutions/01_numerical/numerical.ipynb").read_text())
    tests = {}
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if "BEGIN HIDDEN TESTS" in source:
            used = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
            (name,) = used & set(cases.MISTAKES)
            tests[name] = source
    return tests


HIDDEN = _hidden_tests()
REFERENCE = {name: getattr(ref, name) for name in HIDDEN}


def test_every_exercise_of_chapter_01_has_its_hidden_test_here():
    assert set(HIDDEN) == set(cases.MISTAKES) and len(HIDDEN) == 11


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_the_reference_passes_the_notebooks_hidden_test_through_the_loopback(name):
    assert run_test(HIDDEN[name], REFERENCE).error is None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0/0 is some mistakes' very point
@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in cases.MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_every_listed_mistake_fails_the_hidden_test_and_is_named(name, mistake):
    error = run_test(HIDDEN[name], {**REFERENCE, name: mistake.fn}).error
    assert isinstance(error, CheckFailure) and mistake.said() in str(error)


def test_a_proxy_is_what_the_hidden_test_gets():
    names = []
    student = {**REFERENCE, "forward_difference": lambda f, x, h=1e-6: names.append(type(f).__name__)
               or ref.forward_difference(f, x, h)}
    assert run_test(HIDDEN["forward_difference"], student).error is None
    bridge = loopback(student)
    assert isinstance(bridge.lookup({"forward_difference"})["forward_difference"], Remote)
    assert set(names) == {"Fn"}  # the catalogue's functions cross by name, as to a kernel


def test_a_function_returned_by_a_watched_call_is_watched_when_called():
    """A `compile_expr` that returns a function doing the banned work only when called."""
    student = answer_cells("def compile_later(power):\n"
                           "    def run(x):\n"
                           "        import sympy\n"
                           "        t = sympy.Symbol('t')\n"
                           "        return float((t ** power).subs(t, x))\n"
                           "    return run\n")
    found = loopback(student).lookup({"compile_later"})
    compiled = found["compile_later"].watching(("sympy",))(2)
    with pytest.raises(RemoteError, match="computed with sympy") as used:
        compiled(3.0)
    assert used.value.ename == "LibraryUsed"
    assert found["compile_later"](2)(3.0) == 9.0, "unwatched, the same function works"


LAZY_DIFF = r'''
import sympy
from adcourse.expressions import Const, Var, Add


class Later(Add):
    """An Add whose children SymPy computes when they are read: when the answer is
    encoded for the grader, after the call itself returned."""
    __slots__ = ("_job", "_done")

    def __init__(self, expr, var):
        object.__setattr__(self, "_job", (expr, var))
        object.__setattr__(self, "_done", None)
        object.__setattr__(self, "_hash", None)

    @property
    def args(self):
        if self._done is None:
            sympy.diff(sympy.Symbol("t") ** 2, sympy.Symbol("t"))
            object.__setattr__(self, "_done", (Const(1.0), Const(0.0)))
        return self._done


def diff(expr, var):
    return Later(expr, var)
'''


def test_an_answer_computed_as_it_is_encoded_is_watched_too():
    from autograder.hidden import symbolic as hidden

    outcome = run_test(hidden.test_diff_hidden, answer_cells(LAZY_DIFF))
    assert outcome.error is not None and "LibraryUsed" in str(outcome.error), outcome.error


def test_a_name_bound_to_a_catalogue_function_is_still_the_students_answer():
    """`backward = SCALAR[2]` in the notebook: the grader must not run its own copy."""
    from adcourse import functions
    from autograder.sealed import Remote

    found = loopback({"backward": functions.SCALAR[2]}).lookup({"backward"})
    assert isinstance(found["backward"], Remote), found
    assert found["backward"](2.0) == functions.SCALAR[2](2.0)


def test_the_grader_sends_only_the_operations_the_kernel_end_performs():
    """One list of the wire's operations (adcourse.wire.OPERATIONS): the grader's side
    names none other (no bare operation name in autograder/), the kernel end performs
    each of them, and refuses any other."""
    import re

    from adcourse import remote, wire

    from ..conftest import ROOT

    bare = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "autograder").rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r'"op":\s*"', line)]
    assert not bare, bare
    for op in sorted(wire.OPERATIONS):
        reply = wire.loads(remote.handle(wire.dumps({"op": op, "target": None, "names": [], "calls": []})).text)
        assert "unknown operation" not in str(reply.get("error", {}).get("evalue", "")), (op, reply)
    reply = wire.loads(remote.handle(wire.dumps({"op": "release", "target": None})).text)
    assert "unknown operation 'release'" in reply["error"]["evalue"], reply
