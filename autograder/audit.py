"""`autograder audit CHAPTER`: how many wrong answers a chapter's hidden tests catch.

Mutation analysis of the hidden tests. Every reference definition an answer cell holds
(`autograder.sync.solution_groups`) is changed in one place at a time, inside its
solution region (what a student writes; the given code is left alone): an operator
swapped (+ and -, * and /, ** and *, @ and *), a comparison loosened or tightened, a
sign dropped, a constant changed, an accumulation (+=) turned into an overwrite, a
transpose (.T) removed, keepdims flipped, an axis changed, a loop bound off by one, a
term of a sum or difference dropped. Each mutant is the module's source with that one
change, run in a namespace of its own, and graded as the answer to its exercise by the
chapter's hidden tests (the functions the notebooks call, `autograder.hidden`).

A mutant is *killed* when a hidden test that takes its exercise fails (a failed check,
an error, or more than `SECONDS`); otherwise it is *equivalent* when, on the inputs of
those tests under several salts, its answers equal the reference's up to round-off
(`SAME`: no test could tell them apart; not counted), and *survived* when they differ somewhere, which
the hidden tests did not catch, unless the chapter's cases module accepts it with a reason
(`ACCEPTED_MUTANTS`: a change the contract leaves open, such as the initial weights).
The kill rate is killed / (killed + survived). The
unchanged module is graded first: if it fails, the exercise's figures mean nothing and
say so.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import itertools
import signal
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from adcourse.remote import TimeLimitExceeded, alarm

from .cases import salted
from .checking import _harnessed, reference
from .course import base_chapter
from .mutation import mutants
from .sync import hidden_tests, solution_groups

#: Seconds a mutant's hidden tests may take in all before it counts as killed.
SECONDS = 60.0
#: Seconds between the alarms after the first (a test may catch one and go on).
AGAIN = 1.0
#: Salts under which a survivor's answers are compared with the reference's.
SALTS = (None, "audit 1", "audit 2")


@dataclass
class Mutant:
    where: str          # "line 12: (f(x + h) - f(x - h)) / (2 * h) -> (f(x + h) + f(x - h)) / (2 * h)"
    verdict: str = ""   # killed, survived, equivalent
    why: str = ""       # the first failure, or the first difference


@dataclass
class Audit:
    exercise: str
    baseline: str = ""  # why the unchanged reference failed its hidden tests ("" if it passed)
    mutants: list[Mutant] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(m.verdict == verdict for m in self.mutants)

    @property
    def rate(self) -> float | None:
        judged = self.count("killed") + self.count("survived")
        return self.count("killed") / judged if judged else None

# --- grading a mutant ---------------------------------------------------------------------

def _tests_of(chapter: str, exercise: str) -> list[Callable]:
    names = set(solution_groups(chapter)[exercise])
    return [test for test in hidden_tests(chapter).values()
            if names & set(inspect.signature(test).parameters)]


def _grade(tests: list[Callable], namespace: dict) -> str:
    """"" when every test passes with the namespace's definitions, else the first failure."""
    if "__error__" in namespace:
        return namespace["__error__"]

    expired = []

    def expire(signum, frame):
        # Again a second later, for as long as it takes: a test that catches the exception
        # for one case (and records a failure) goes on to the next.
        expired.append(True)
        signal.setitimer(signal.ITIMER_REAL, AGAIN)
        raise TimeLimitExceeded(f"the hidden tests took more than {SECONDS:g} s")

    try:
        with alarm(SECONDS, expire), np.errstate(all="ignore"), _quiet():
            for test in tests:
                test(*(namespace[name] for name in inspect.signature(test).parameters))
    except (Exception, TimeLimitExceeded) as error:  # noqa: BLE001 (a failure is the verdict)
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]
    if expired:
        return f"TimeLimitExceeded: the hidden tests took more than {SECONDS:g} s"
    return ""


class _Differs(Exception):
    pass


#: How close an answer must be to the reference's to be the same answer (round-off only:
#: z - max(z) and z + max(z) give the same softmax, up to it).
SAME = {"rtol": 1e-9, "atol": 1e-12}


def _same(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        try:
            return bool(a == b)
        except Exception:  # noqa: BLE001 (an answer whose == is not a truth value: not the same)
            return False
    return a.shape == b.shape and bool(np.allclose(a, b, equal_nan=True, **SAME))


def _strict_compare(student, reference_name, cases, *, harness=None, isolate=(), forbid=(),
                    seconds=None, policy=None, name=None):
    """`compare`, asking that every answer equal the reference's up to round-off (`SAME`)."""
    ref = reference(reference_name)
    pairs = [(student, ref)]
    if harness is not None:  # what the harness makes of the answers, and the answers themselves
        pairs = [(_harnessed(harness, student), _harnessed(harness, ref)), (_Data(student), _Data(ref))]
    for case in cases:
        for pair in pairs:
            _strict_case(pair, case, reference_name)


class _Data:
    """A function's answer where it is numbers (a harness may keep only what it checked,
    such as a count of losses); None where it is not."""

    def __init__(self, function):
        self.function = function

    def __call__(self, *args, **kwargs):
        answer = self.function(*args, **kwargs)
        parts = list(answer) if isinstance(answer, tuple) else [answer]  # (x, objectives)
        try:
            return [np.asarray(part, dtype=float) for part in parts]
        except (TypeError, ValueError):
            return None


def _strict_case(pair, case, reference_name) -> None:
    outcome = []
    for function in pair:
        args, kwargs = case.fresh()
        try:
            outcome.append(("value", function(*args, **kwargs)))
        except Exception as error:  # noqa: BLE001 (raising the same error is the same answer)
            outcome.append(("error", type(error).__name__))
    (kind, got), (wanted_kind, wanted) = outcome
    if kind == wanted_kind == "value" and (got is None or wanted is None):
        return  # not numbers: the harness's values decide
    if kind != wanted_kind or not (_same(got, wanted) if kind == "value" else got == wanted):
        raise _Differs(f"{case.show(reference_name.rpartition('.')[2])}"[:200])


def _difference(chapter: str, tests: list[Callable], namespace: dict) -> str:
    """Where the namespace's answers differ from the reference's on the hidden tests'
    inputs under several salts, or "" when they never do."""
    modules = {inspect.getmodule(test) for test in tests}
    saved = {m: m.compare for m in modules}
    try:
        for m in modules:
            m.compare = _strict_compare
        for salt in SALTS:
            with salted(salt):
                found = _grade(tests, namespace)
            if found:
                return found
    finally:
        for m, compare in saved.items():
            m.compare = compare
    return ""


@contextlib.contextmanager
def _quiet():
    import io
    import warnings

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _named_mistakes(chapter: str, exercise: str, unchanged: dict):
    """(where, namespace) for each mistake the chapter's cases module names for the
    exercise's definitions (`MISTAKES`): the unchanged module with that definition
    replaced by the mistake (a recursion instead of a stack, a kink convention, ...)."""
    cases = importlib.import_module(f"autograder.cases.{base_chapter(chapter)[0].split('_', 1)[1]}")
    for name in solution_groups(chapter)[exercise]:
        for mistake in getattr(cases, "MISTAKES", {}).get(name, ()):
            yield f"{name}, a named mistake: {mistake.description}"[:300], {**unchanged, name: mistake.fn}


def audit(chapter: str, exercise: str, limit: int | None = None) -> Audit:
    """Every mutant of `exercise` (the first `limit`), then every named mistake of it,
    graded and classified."""
    tests = _tests_of(chapter, exercise)
    accepted = getattr(importlib.import_module(f"autograder.cases.{base_chapter(chapter)[0].split('_', 1)[1]}"),
                       "ACCEPTED_MUTANTS", {})
    result = Audit(exercise)
    generated = mutants(chapter, exercise)
    where, unchanged = next(generated)
    named = list(_named_mistakes(chapter, exercise, unchanged))
    every = itertools.chain([(where, unchanged)], itertools.islice(generated, limit), named[:limit])
    for where, namespace in every:
        if where == "unchanged":
            result.baseline = _grade(tests, namespace) if tests else "no hidden test takes it"
            if result.baseline:
                return result
            continue
        mutant = Mutant(where)
        failure = _grade(tests, namespace)
        if failure:
            mutant.verdict, mutant.why = "killed", failure
        else:
            difference = _difference(chapter, tests, namespace)
            mutant.verdict, mutant.why = ("survived", difference) if difference else ("equivalent", "")
            reason = next((why for snippet, why in accepted.get(exercise, ()) if snippet in where), None)
            if difference and reason:
                mutant.verdict, mutant.why = "accepted", reason
        result.mutants.append(mutant)
    return result


def report(chapter: str, exercises: list[str] | None = None, limit: int | None = None,
           echo: Callable[[str], None] = print) -> list[Audit]:
    """Audit the exercises of `chapter` (all by default), printing a line each and every survivor."""
    results = []
    groups = solution_groups(chapter)
    for exercise in [e for e in exercises if e in groups] if exercises else list(groups):
        found = audit(chapter, exercise, limit)
        results.append(found)
        if found.baseline:
            echo(f"{chapter} {exercise}: the reference fails its own hidden tests ({found.baseline}): "
                 "no figures")
            continue
        rate = "n/a" if found.rate is None else f"{100 * found.rate:.0f}%"
        echo(f"{chapter} {exercise}: {rate} killed ({found.count('killed')} killed, "
             f"{found.count('survived')} survived, {found.count('equivalent')} equivalent, "
             f"{found.count('accepted')} accepted)")
        for mutant in found.mutants:
            if mutant.verdict == "survived":
                echo(f"    survived: {mutant.where}\n        differs on {mutant.why}")
            elif mutant.verdict == "equivalent":
                echo(f"    equivalent: {mutant.where}")
            elif mutant.verdict == "accepted":
                echo(f"    accepted: {mutant.where}\n        because {mutant.why}")
    return results


def table(results: dict[str, list[Audit]]) -> str:
    """The README's table: chapter, exercise, mutants, killed, survived, equivalent, rate."""
    rows = ["| chapter | exercise | mutants | killed | survived | equivalent | accepted | killed of the rest |",
            "|---|---|---|---|---|---|---|---|"]
    for chapter, audits in results.items():
        for a in audits:
            rate = "reference fails" if a.baseline else ("no mutant" if a.rate is None else f"{100 * a.rate:.0f}%")
            rows.append(f"| {chapter} | `{a.exercise}` | {len(a.mutants)} | {a.count('killed')} | "
                        f"{a.count('survived')} | {a.count('equivalent')} | {a.count('accepted')} | {rate} |")
    return "\n".join(rows)


# --- the README's table, and whether it is fresh -------------------------------------------

#: What the audit's figures depend on (paths under the course root): when one of them
#: changes, the README's table is stale until `autograder audit --readme` runs again.
SOURCES = ("autograder/audit.py", "autograder/mutation.py", "autograder/checking.py",
           "autograder/reference/*.py", "autograder/cases/*.py", "autograder/hidden/*.py")
README_BEGIN = "<!-- autograder audit --readme: the sources' sha256 is {digest} -->"
README_END = "<!-- end of the table of autograder audit --readme -->"


def fingerprint(root) -> str:
    """sha256 of the files of `SOURCES`, by path and content."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256()
    for path in sorted({p for pattern in SOURCES for p in Path(root).glob(pattern)}):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def readme_section(text: str) -> tuple[str, str] | None:
    """(digest, table) of the README's generated table, or None if it has none."""
    import re

    found = re.search(re.escape(README_BEGIN).replace(r"\{digest\}", "([0-9a-f]{64})") + r"\n(.*?)\n"
                      + re.escape(README_END), text, re.S)
    return (found.group(1), found.group(2)) if found else None


def write_readme(root, results: dict[str, list[Audit]]) -> None:
    """Put the table of `results` (every chapter) in the README, with the sources' digest."""
    from pathlib import Path

    path = Path(root) / "README.md"
    text = path.read_text()
    old = readme_section(text)
    if old is None:
        raise ValueError(f"{path} has no line {README_BEGIN.format(digest='...')!r} for the table")
    begin = README_BEGIN.format(digest=old[0])
    start, end = text.index(begin), text.index(README_END)
    new = README_BEGIN.format(digest=fingerprint(root)) + "\n" + table(results) + "\n"
    path.write_text(text[:start] + new + text[end:])
