"""Hidden tests run sealed, in this process: the student's names in a dict, the test cell
run as grading runs it, over `autograder.sealed.Loopback`.

    student = answer_cells("def forward_difference(f, x, h=1e-6):\n"
                           "    return (f(x) - f(x - h)) / h\n")
    outcome = run_test(HIDDEN_TEST_SOURCE, student)
    assert "a backward difference" in str(outcome.error)

The test gets proxies for the names it uses, so its calls cross the same wire encoding,
`call_each`, callbacks, copy-back and checks as with a kernel (see `Loopback` for what
a loopback does not model).
"""
from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
import types
from typing import Callable, Iterable, NamedTuple

from autograder.sealed import ExerciseNames, Loopback, run_test_cell

#: A test cell's time limit here (grading's default is 120 s).
SECONDS = 60.0


class Outcome(NamedTuple):
    """What `run_test_cell` returns: the cell's output streams, and the exception it
    raised (its failure) or None (it passed)."""

    outputs: list[tuple[str, str]]
    error: BaseException | None


def loopback(namespace: dict, seconds: float = SECONDS) -> Loopback:
    """A Loopback to a kernel end whose student defined `namespace`, with a test cell's
    budget of `seconds` begun (so its `lookup` and proxies can be used at once)."""
    bridge = Loopback(namespace)
    bridge.begin(seconds)
    return bridge


def answer_cells(*sources: str) -> dict:
    """The namespace a kernel has after running the answer cells `sources`, each compiled
    as a cell of its own whose lines tracebacks can show (as IPython's are)."""
    namespace = {"__name__": "__main__"}
    for number, source in enumerate(sources, 1):
        filename = f"<answer cell {number}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def exercise_names(namespace: dict, names: Iterable[str] | None = None) -> ExerciseNames:
    """The names the answer cells define: `names`, or those of `namespace` but dunder
    names and modules (what `autograder.sealed.exercise_names` finds in the cells'
    source); those bound to classes in `namespace` are the exercises' classes."""
    if names is None:
        names = [name for name, value in namespace.items()
                 if not name.startswith("__") and not isinstance(value, types.ModuleType)]
    found = ExerciseNames(names)
    found.classes = frozenset(name for name in found if isinstance(namespace.get(name), type))
    return found


def cell_source(test: str | Callable) -> str:
    """The source of a test cell: `test` itself; for a function with parameters (defined
    at module level, as `autograder.hidden`'s are), a cell that imports it and calls it
    with the student's objects its parameters name; for a `def` without parameters, its
    body but the docstring (written as a cell: what it uses it imports or defines)."""
    if isinstance(test, str):
        return test
    parameters = list(inspect.signature(test).parameters)
    if parameters:
        if test.__qualname__ != test.__name__:
            raise TypeError(f"{test!r} is not defined at module level: a test cell cannot import it")
        return f"from {test.__module__} import {test.__name__}\n{test.__name__}({', '.join(parameters)})\n"
    lines = textwrap.dedent(inspect.getsource(test)).splitlines()
    definition = ast.parse("\n".join(lines)).body[0]
    if not isinstance(definition, ast.FunctionDef) or definition.body[0].lineno == definition.lineno:
        raise TypeError(f"{test!r} is not a `def` whose body is on lines of its own")
    body = definition.body[1:] if ast.get_docstring(definition) is not None else definition.body
    return textwrap.dedent("\n".join(lines[body[0].lineno - 1:definition.end_lineno]))


def run_test(test: str | Callable, namespace: dict, *, exercises: Iterable[str] | None = None,
             seconds: float = SECONDS) -> Outcome:
    """Run the test cell `test` (its source, or a function: see `cell_source`) as grading
    does (`run_test_cell`): in this process, with the trusted names, and the student's
    names it uses bound to proxies looked up over a Loopback on `namespace`.

    `exercises` are the names the answer cells define (default: `exercise_names`); one
    that `namespace` lacks is missing, as in a kernel where its cell did not run.
    """
    outputs, error = run_test_cell(Loopback(namespace), cell_source(test), "test loopback",
                                   exercise_names(namespace, exercises), seconds)
    return Outcome(outputs, error)
