"""The grader's side of sealed grading, in-process: what it accepts from a kernel, how
it bounds its own work, and that no verdict is left to a student's object.

The same properties are shown through real sandboxed kernels in
tests/test_hostile_grader.py.
"""
from __future__ import annotations

import json
import signal
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

from adcourse import remote, watch, wire
from adcourse.checking import CheckFailure, check_close, not_data
from autograder.checking import compare
from autograder.sealed import (Bridge, CallbackTimeLimit, NotData, Remote, RemoteError, _within,
                               run_test_cell)


class AnswerBridge:
    """A bridge whose kernel answers every request with one fixed value."""

    def __init__(self, value=None, classes=()):
        self.value = value
        self.requests = []
        self.classes = frozenset(classes)

    def encode(self, value):
        return value

    def request(self, request, seconds=None):
        self.requests.append(request)
        return self.value, None


def proxy(type_name="Yes", value=True, classes=()):
    return Remote(AnswerBridge(value, classes), {"$h": 1}, f"student's {type_name}", type_name=type_name)


# --- 4: nothing the kernel sends is parsed before its size is checked ----------------------

def test_a_reply_of_millions_of_values_is_refused_before_parsing():
    text = "[" + "0," * 2_000_000 + "0]"
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError, match="values"):
            wire.loads(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{peak} bytes to refuse a 4 MB reply"


def test_a_reply_longer_than_the_bound_is_refused_before_parsing():
    with pytest.raises(wire.WireError, match="characters"):
        wire.loads('"' + "a" * (wire.MAX_MESSAGE_CHARS + 1) + '"')
    with pytest.raises(wire.WireError):
        wire.loads(b"[1]")
    with pytest.raises(wire.WireError):
        wire.loads("[" * 100_000)


def test_the_bounds_fit_together():
    from autograder.sealed import MAX_KERNEL_MESSAGE

    base64_of_arrays = 4 * ((wire.MAX_ARRAY_BYTES + 2) // 3)
    assert base64_of_arrays < wire.MAX_MESSAGE_CHARS
    assert 2 * wire.MAX_MESSAGE_CHARS < MAX_KERNEL_MESSAGE  # escaped once more in the message


def test_the_kernel_replies_with_json_text_as_its_repr():
    reply = remote.handle(wire.dumps({"op": "call", "target": {"$fn": "sin"}, "args": {"$t": [0.0]}}))
    assert not isinstance(reply, str)
    message = wire.loads(repr(reply))
    assert "ok" in message or "error" in message


# --- 2: no verdict on an object that is not data --------------------------------------------

def test_comparisons_and_truth_of_a_students_object_are_refused_not_asked():
    yes = proxy()
    for question in (lambda: yes == 1.0, lambda: yes != 1.0, lambda: yes < 1e-7, lambda: yes > 1e-2,
                     lambda: yes <= 0, lambda: yes >= 0, lambda: bool(yes), lambda: np.asarray(yes)):
        with pytest.raises(NotData, match="your class Yes"):
            question()
    assert yes._bridge.requests == [], "the kernel was asked to decide"


def test_objects_of_an_exercise_class_compare_in_the_kernel_with_a_truth_value_for_answer():
    from autograder.sealed import exercise_names

    names = exercise_names(["class Dual:\n    pass\n", "def derivative(f, x): pass\nEPS = 1\n"])
    assert names == {"Dual", "derivative", "EPS"} and names.classes == {"Dual"}
    assert (proxy("Dual", True, names.classes) < 2.0) is True
    assert (proxy("Dual", False, names.classes) > proxy("Dual", True, names.classes)) is False
    with pytest.raises(NotData, match="not True or False"):
        proxy("Dual", proxy("Yes"), names.classes) < 1.0  # noqa: B015
    with pytest.raises(NotData, match="not True or False"):
        proxy("Dual", 1.0, names.classes) == 1.0  # noqa: B015
    with pytest.raises(NotData):  # a class named like an exercise function is no exercise class
        proxy("derivative", True, names.classes) < 1.0  # noqa: B015
    with pytest.raises(NotData):
        bool(proxy("Dual", True, names.classes))


def test_check_close_refuses_an_object_that_is_not_data():
    with pytest.raises(CheckFailure, match="returned an object of your class Yes, not a number"):
        check_close(proxy(), 1.0, "exact", "gradient_check(f, right, x)")
    with pytest.raises(CheckFailure, match="your class Yes"):
        check_close((1.0, proxy()), (1.0, 2.0), "exact", "slopes(x * y, x, y)")
    assert not_data((1.0, [np.ones(2), {"a": 3}])) is None


def test_compare_fails_every_case_answered_by_an_object():
    def student(*args, **kwargs):
        return proxy("Anything")
    with pytest.raises(CheckFailure, match="returned an object of your class Anything"):
        compare(student, "numerical.relative_error", _relative_error_cases(), policy="exact")


def _relative_error_cases():
    from autograder.cases import numerical as cases
    return cases.relative_error_cases(seed=108)


def test_answers_that_are_data_still_pass():
    from autograder.reference import numerical as ref
    compare(ref.relative_error, "numerical.relative_error", _relative_error_cases(), policy="exact")
    check_close((2.0, 3.0), (2.0, 3.0), "exact", "a tuple")


# --- 1: the library watch cannot be switched off from inside the call -----------------------

def _uses_sympy_unprofiled():
    sys.setprofile(None)
    import sympy
    return float(sympy.diff(sympy.Symbol("x") ** 2, sympy.Symbol("x")).subs("x", 1))


def test_a_watched_call_cannot_remove_the_profiler():
    with pytest.raises(RuntimeError, match="sys.setprofile is not allowed"):
        remote.watched(_uses_sympy_unprofiled, ["sympy"])()
    assert sys.getprofile() is None


def test_a_watched_call_cannot_trace_or_use_ctypes():
    def trace():
        sys.settrace(None)

    def native():
        import ctypes
        return ctypes.pythonapi.PyEval_SetProfile

    with pytest.raises(RuntimeError, match="sys.settrace"):
        remote.watched(trace, ["sympy"])()
    with pytest.raises((RuntimeError, AttributeError)):
        remote.watched(native, ["sympy"])()
    import ctypes
    with pytest.raises((RuntimeError, AttributeError)):
        ctypes.pythonapi.PyEval_SetTrace  # noqa: B018 (never, watched or not)


# The watch stops the thread at SymPy's first line: its exception is the thread's end.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_library_is_seen_in_threads_and_under_another_module_name():
    import sympy

    def in_thread():
        out = []
        worker = threading.Thread(target=lambda: out.append(sympy.diff(sympy.Symbol("x") ** 3)))
        worker.start()
        worker.join()
        return out

    with pytest.raises(remote.LibraryUsed, match="sympy"):
        remote.watched(in_thread, ["sympy"])()

    def in_bare_thread():
        import _thread
        done = threading.Event()
        _thread.start_new_thread(lambda: (sympy.diff(sympy.Symbol("x") ** 3), done.set()), ())
        done.wait(10)

    with pytest.raises(remote.LibraryUsed, match="a thread the watch does not see"):
        remote.watched(in_bare_thread, ["sympy"])()
    renamed = sympy.core.function.diff
    saved = renamed.__globals__["__name__"]
    renamed.__globals__["__name__"] = "mine"
    try:
        with pytest.raises(remote.LibraryUsed, match="sympy"):
            remote.watched(lambda: renamed(sympy.Symbol("x") ** 2), ["sympy"])()
    finally:
        renamed.__globals__["__name__"] = saved


def test_the_audit_hook_is_installed_once_and_guards_itself():
    assert remote.install_guard() is False
    with pytest.raises(RuntimeError, match="cannot be changed"):
        watch._guard.__defaults__ = ()
    assert remote.watched(lambda: 3, ["sympy"])() == 3


# --- 3: a callback runs within the test's remaining time ------------------------------------

def test_a_callback_is_stopped_when_the_tests_time_runs_out():
    def forever():
        while True:
            pass
    start = time.process_time()
    with pytest.raises(CallbackTimeLimit):
        _within(0.3, forever, (), {})
    assert time.process_time() - start < 5
    with pytest.raises(CallbackTimeLimit):
        _within(0.0, forever, (), {})
    assert _within(1.0, lambda x: x + 1, (1,), {}) == 2
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_callback_request_is_refused_before_decoding_when_too_big():
    bridge = Bridge(client=None, alive=lambda: True, interrupt=lambda: None)
    called = []
    bridge.callbacks[1] = lambda *a: called.append(a)
    prompt = json.dumps({"cb": 1, "args": {"$t": [[0] * (wire.MAX_VALUES + 1)]}})
    answer = wire.loads(bridge._callback(prompt, time.monotonic() + 10))
    assert "error" in answer and called == []


# --- 5: an interrupt of the grader is not a test's result -----------------------------------

class NoKernel:
    deadline = 0.0
    output = []

    def begin(self, seconds):
        pass

    def end(self):
        pass

    def lookup(self, names):
        return {}


@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_while_a_test_runs_stops_grading(raised):
    with pytest.raises(raised):
        run_test_cell(NoKernel(), f"raise {raised.__name__}()", "test x", set(), 10)


def test_a_failing_test_is_its_result():
    outputs, error = run_test_cell(NoKernel(), "print('x'); assert False, 'wrong'", "test x", set(), 10)
    assert isinstance(error, AssertionError) and outputs == [("stdout", "x\n")]
    _, error = run_test_cell(NoKernel(), "raise __import__('adcourse.remote').remote.TimeLimitExceeded('t')",
                             "test x", set(), 10)
    assert type(error).__name__ == "TimeLimitExceeded"


def test_a_time_limit_failure_reads_like_the_kernels():
    error = Bridge._error({"ename": "TimeLimitExceeded", "evalue": "did not finish within 5 s"})
    assert isinstance(error, RemoteError) and error.ename == "TimeLimitExceeded"


def test_the_graders_own_work_in_a_test_is_stopped_at_its_time_limit(monkeypatch):
    """Item 2 of the grader's bounds: SymPy expanding (x+1)**8192 in the grader (48 s once)."""
    from autograder.sealed import _cells as sealed

    monkeypatch.setattr(sealed, "GRADER_GRACE", 0.0)
    source = "import sympy\nx = sympy.Symbol('x')\nterms = sympy.expand((x + 1) ** 8192)"
    _, error = run_test_cell(NoKernel(), source, "test x", set(), 0.5)
    assert type(error).__name__ == "GraderTimeLimit" and "checking this answer" in str(error), error
    import signal
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0), "no timer left behind"
    _, error = run_test_cell(NoKernel(), "total = sum(range(1000))", "test x", set(), 0.5)
    assert error is None


def test_the_graders_time_limit_holds_when_its_first_signal_is_swallowed(monkeypatch):
    """Python ignores an exception raised in a gc callback or a __del__ (SymPy's
    expansions run under them): the limit fires again until the work stops."""
    from autograder.sealed import _cells as sealed

    monkeypatch.setattr(sealed, "GRADER_GRACE", 0.0)
    source = ("try:\n    while True:\n        pass\nexcept BaseException:\n    swallowed = True\n"
              "while True:\n    pass\n")
    _, error = run_test_cell(NoKernel(), source, "test x", set(), 0.3)
    assert type(error).__name__ == "GraderTimeLimit", error
    import signal
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0), "no timer left behind"


class SlowLookup(NoKernel):
    """A kernel's answer that takes the grader long to decode (keys that collide on hash)."""

    def lookup(self, names):
        while True:
            pass


def test_decoding_the_kernels_names_is_within_the_graders_time(monkeypatch):
    from autograder.sealed import _cells as sealed

    monkeypatch.setattr(sealed, "GRADER_GRACE", 0.0)
    _, error = run_test_cell(SlowLookup(), "x = 1", "test x", set(), 0.3)
    assert type(error).__name__ == "GraderTimeLimit", error


def test_the_graders_time_is_not_taken_for_one_case_and_gone_past(monkeypatch):
    """compare() counts a case's own TimeLimitExceeded and goes on: the grader's limit on
    the whole cell must stop it, not one case."""
    from autograder.sealed import _cells as sealed

    monkeypatch.setattr(sealed, "GRADER_GRACE", 0.0)
    source = ("from autograder.checking import compare\n"
              "from autograder.cases import numerical as cases\n"
              "def forever(f, x, h=1e-5):\n    while True:\n        pass\n"
              "compare(forever, 'numerical.forward_difference', cases.derivative_cases(seed=1))")
    _, error = run_test_cell(NoKernel(), source, "test x", set(), 0.3)
    assert type(error).__name__ == "GraderTimeLimit", error
