"""Hidden inputs drawn per submission: every salt grades as the fixed seeds did.

The hidden test cells of every chapter are run here, in this process, as the grader
runs them (the source of the instructor notebook, the trusted names, the answers as
local functions), under many salts (`autograder.cases.salted`):

* the reference passes every hidden test, whatever the salt;
* every typical mistake a cases module lists (`MISTAKES`) fails a hidden test, and the
  same tests, whatever the salt.

Every sample submission fails the same test cells under two students' salts:
tests/autograder/test_samples_graded.py, over the loopback bridge.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
from functools import lru_cache

import matplotlib
import nbformat
import numpy as np
import pytest

from autograder import cases as salting
from autograder.checking import NAMING
from autograder.course import chapters, notebook_name
from autograder.notebook import answer_cells as _answer_cells
from autograder.sealed import trusted_namespace

from .conftest import ROOT

matplotlib.use("Agg")

#: Salts each hidden test is run under: a few in the suite; AUTOGRADER_SALTS=50 (or more)
#: for a thorough run after a change to the cases (50 were run when they were salted).
SALTS = [salting.salt_for("salted-cases", f"student{i}", [str(i)])
         for i in range(int(os.environ.get("AUTOGRADER_SALTS", "6")))]
#: Fewer salts for each mistake (there are many of them).
MISTAKE_SALTS = SALTS[:max(2, len(SALTS) // 5)]

CHAPTERS = [c for c in chapters(ROOT) if (ROOT / "samples" / c).is_dir()]
MODULES = {c: c.split("_", 1)[1] for c in CHAPTERS}


@lru_cache(maxsize=None)
def _notebook(chapter):
    return nbformat.read(ROOT / "solutions" / chapter / notebook_name(ROOT, chapter), as_version=4)


@lru_cache(maxsize=None)
def hidden_cells(chapter) -> dict[str, str]:
    """grade_id -> source of every hidden test cell of the chapter."""
    found = {}
    for cell in _notebook(chapter).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and "BEGIN HIDDEN TESTS" in cell.source:
            found[meta["grade_id"]] = cell.source
    return found


def answers_of(nb) -> dict:
    """The names the notebook's answer cells define, run here (after the setup cell)."""
    namespace: dict = {"__name__": "__answers__"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code[0].source, "<setup>", "exec"), namespace)
        for name, cell in _answer_cells(nb):
            if cell.cell_type == "code":
                try:
                    exec(compile(cell.source, f"<answer {name}>", "exec"), namespace)
                except NotImplementedError:
                    pass
    return namespace


def reference_answers(chapter) -> dict:
    return answers_of(_notebook(chapter))


_DRAWN: dict = {}


def _remembered(generate):
    """A case generator that draws each (salt, arguments) once in this session: a hidden
    test deep-copies every input it passes, so the same cases serve every run."""
    def cases(*args, **kwargs):
        key = (generate.__module__, generate.__name__, salting.SALT.get(), args,
               tuple(sorted(kwargs.items())))
        if key not in _DRAWN:
            _DRAWN[key] = generate(*args, **kwargs)
        return list(_DRAWN[key])
    return cases


@pytest.fixture(autouse=True)
def _draw_once(monkeypatch):
    for chapter in CHAPTERS:
        module = __import__(f"autograder.cases.{MODULES[chapter]}", fromlist=["MISTAKES"])
        for name, value in vars(module).items():
            if name.endswith("_cases") and callable(value) and value.__module__ == module.__name__:
                monkeypatch.setattr(module, name, _remembered(value))


def outcome(chapter, answers: dict, salt: str, only: str | None = None) -> dict[str, str | None]:
    """grade_id -> None when the hidden test passes, else its error, under `salt` (only
    the hidden tests that name `only`, when given)."""
    results = {}
    for grade_id, source in hidden_cells(chapter).items():
        if only is not None and not re.search(rf"\b{only}\b", source):
            continue
        namespace = {"__name__": "__test__"}
        namespace.update(answers)
        namespace.update(trusted_namespace())
        with salting.salted(salt), np.errstate(all="ignore"), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(source, f"<{grade_id}>", "exec"), namespace)
                results[grade_id] = None
            except Exception as exc:  # noqa: BLE001 (the test's failure is its result)
                results[grade_id] = f"{type(exc).__name__}: {str(exc)[:300]}"
    return results


# --- the salt itself ---------------------------------------------------------------------

def test_the_salt_changes_the_inputs_and_the_same_salt_gives_the_same_ones():
    from autograder.cases import numerical

    def inputs(salt):
        with salting.salted(salt):
            return [np.asarray(c.args[1], dtype=float) for c in numerical.derivative_cases(seed=101)]

    unsalted = [np.asarray(c.args[1], dtype=float) for c in numerical.derivative_cases(seed=101)]
    assert all(np.array_equal(a, b) for a, b in zip(inputs(None), unsalted))
    assert all(np.array_equal(a, b) for a, b in zip(inputs(SALTS[0]), inputs(SALTS[0])))
    assert not any(np.array_equal(a, b) for a, b in zip(inputs(SALTS[0]), inputs(SALTS[1])) if a.size)
    assert not any(np.array_equal(a, b) for a, b in zip(inputs(SALTS[0]), unsalted) if a.size)


def test_the_salt_depends_on_the_student_the_assignment_and_the_answers_only():
    salt = salting.salt_for("01_numerical/numerical.ipynb", "ada", ["def f(): pass", "x"])
    assert salt == salting.salt_for("01_numerical/numerical.ipynb", "ada", ["def f(): pass", "x"])
    assert salt != salting.salt_for("01_numerical/numerical.ipynb", "ben", ["def f(): pass", "x"])
    assert salt != salting.salt_for("02_symbolic/symbolic.ipynb", "ada", ["def f(): pass", "x"])
    assert salt != salting.salt_for("01_numerical/numerical.ipynb", "ada", ["def f(): pass ", "x"])


# --- every chapter, many salts -------------------------------------------------------------

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_reference_passes_every_hidden_test_under_every_salt(chapter):
    answers = reference_answers(chapter)
    failed = [f"salt {i}: {cell}: {why}" for i, salt in enumerate(SALTS)
              for cell, why in outcome(chapter, answers, salt).items() if why]
    assert not failed, "\n".join(failed[:10])


def _mistakes(chapter):
    module = __import__(f"autograder.cases.{MODULES[chapter]}", fromlist=["MISTAKES"])
    return [(chapter, name, i) for name, ms in module.MISTAKES.items() for i in range(len(ms))]


@pytest.mark.parametrize("chapter, exercise, index", [m for c in CHAPTERS for m in _mistakes(c)],
                         ids=lambda v: str(v))
def test_every_listed_mistake_fails_the_same_hidden_tests_under_every_salt(chapter, exercise, index):
    module = __import__(f"autograder.cases.{MODULES[chapter]}", fromlist=["MISTAKES"])
    mistake = module.MISTAKES[exercise][index]
    answers = dict(reference_answers(chapter))
    answers[exercise] = mistake.fn
    token = NAMING.set(False)  # which cells fail is the question here, not what names it
    try:
        results = [outcome(chapter, answers, salt, only=exercise) for salt in MISTAKE_SALTS]
    finally:
        NAMING.reset(token)
    failing = [{cell for cell, why in r.items() if why} for r in results]
    assert failing[0], f"{mistake.description!r} passes every hidden test"
    differ = [i for i, f in enumerate(failing) if f != failing[0]]
    assert not differ, (f"{mistake.description!r} fails {sorted(failing[0])} under salt 0 but "
                        f"{sorted(failing[differ[0]])} under salt {differ[0]}")


def test_every_hidden_test_names_its_seed_only_through_the_cases_modules():
    """The seeds stay in the notebooks, the salt is added where the inputs are drawn."""
    for chapter in CHAPTERS:
        for cell, source in hidden_cells(chapter).items():
            assert "default_rng" not in source, cell
    for path in (ROOT / "autograder" / "cases").glob("*.py"):
        if path.name != "__init__.py":
            assert not re.search(r"np\.random\.default_rng\(|np\.random\.seed\(", path.read_text()
                                 .replace("np.random.default_rng(seed)\")", "")), path.name
