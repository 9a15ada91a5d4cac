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

import ast
import contextlib
import copy
import importlib
import inspect
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from adcourse.remote import TimeLimitExceeded, alarm

from .cases import salted
from .checking import _harnessed, reference
from .sync import hidden_tests, reference_module, solution_groups
from .notebook import SOLUTION_BEGIN, SOLUTION_END

#: Seconds a mutant's hidden tests may take in all before it counts as killed.
SECONDS = 60.0
#: Salts under which a survivor's answers are compared with the reference's.
SALTS = (None, "audit 1", "audit 2")

#: NumPy functions a mistake confuses, each with what it is mistaken for.
_CONFUSED = {"max": "min", "min": "max", "sum": "mean", "mean": "sum", "sin": "cos", "cos": "sin",
             "exp": "log", "log": "exp", "maximum": "minimum", "minimum": "maximum", "outer": "dot",
             "dot": "outer", "sign": "abs", "abs": "sign", "tanh": "sin", "sqrt": "abs"}

_SWAPS = {ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.And: ast.Or, ast.Or: ast.And, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
          ast.MatMult: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
          ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


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


# --- mutation sites ---------------------------------------------------------------------

def _sites(node: ast.AST, lines: set[int]) -> Iterator[tuple[ast.AST, str, Callable[[ast.AST], ast.AST]]]:
    """(node, what changes, how) for every mutation point of `node` on the given lines."""
    for child in ast.walk(node):
        if getattr(child, "lineno", None) not in lines:
            continue
        if isinstance(child, ast.BinOp) and type(child.op) in _SWAPS:
            swapped = _SWAPS[type(child.op)]
            yield child, f"{type(child.op).__name__} -> {swapped.__name__}", \
                lambda n, s=swapped: ast.BinOp(n.left, s(), n.right)
            if isinstance(child.op, (ast.Add, ast.Sub)):
                yield child, "the right term dropped", lambda n: n.left
        elif isinstance(child, ast.AugAssign) and isinstance(child.op, (ast.Add, ast.Sub, ast.Mult)):
            yield child, "an accumulation made an overwrite", lambda n: ast.Assign([n.target], n.value)
        elif isinstance(child, ast.UnaryOp) and isinstance(child.op, ast.USub):
            yield child, "a sign dropped", lambda n: n.operand
        elif isinstance(child, ast.Compare) and len(child.ops) == 1 and type(child.ops[0]) in _SWAPS:
            swapped = _SWAPS[type(child.ops[0])]
            yield child, f"{type(child.ops[0]).__name__} -> {swapped.__name__}", \
                lambda n, s=swapped: ast.Compare(n.left, [s()], n.comparators)
        elif isinstance(child, ast.Constant) and type(child.value) in (int, float) and not isinstance(child.value, bool):
            changed = child.value + 1 if isinstance(child.value, int) else (child.value * 2 or 1.0)
            yield child, f"{child.value!r} -> {changed!r}", lambda n, c=changed: ast.Constant(c)
        elif isinstance(child, ast.Attribute) and child.attr == "T":
            yield child, "a transpose removed", lambda n: n.value
        elif isinstance(child, ast.Attribute) and child.attr in _CONFUSED and isinstance(child.value, ast.Name) \
                and child.value.id in ("np", "numpy"):
            yield child, f"np.{child.attr} -> np.{_CONFUSED[child.attr]}", \
                lambda n: ast.Attribute(n.value, _CONFUSED[n.attr], n.ctx)
        elif isinstance(child, ast.BoolOp) and type(child.op) in _SWAPS:
            yield child, f"{type(child.op).__name__} -> {_SWAPS[type(child.op)].__name__}", \
                lambda n: ast.BoolOp(_SWAPS[type(n.op)](), n.values)
        elif isinstance(child, ast.Return) and child.value is not None:
            yield child, "the result negated", lambda n: ast.Return(ast.UnaryOp(ast.USub(), n.value))
        elif isinstance(child, ast.Call) and len(child.args) >= 2 and not any(isinstance(a, ast.Starred) for a in child.args) \
                and not (isinstance(child.func, ast.Name) and child.func.id in ("range", "isinstance", "getattr")):
            yield child, "two arguments swapped", lambda n: ast.Call(n.func, [n.args[1], n.args[0], *n.args[2:]],
                                                                     n.keywords)
        elif isinstance(child, ast.keyword) and child.arg == "keepdims" and isinstance(child.value, ast.Constant):
            yield child, "keepdims flipped", lambda n: ast.keyword("keepdims", ast.Constant(not n.value.value))
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "range" \
                and child.args:
            yield child, "a loop bound off by one", lambda n: ast.Call(
                n.func, n.args[:-1] + [ast.BinOp(n.args[-1], ast.Sub(), ast.Constant(1))]
                if len(n.args) > 1 else [ast.BinOp(n.args[0], ast.Sub(), ast.Constant(1))], n.keywords)


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, how: Callable[[ast.AST], ast.AST]):
        self.target, self.how = target, how

    def generic_visit(self, node):
        if node is self.target:
            return ast.copy_location(self.how(node), node)
        return super().generic_visit(node)


def _solution_lines(source_lines: list[str], node: ast.AST) -> set[int]:
    """The lines of `node` a student writes: inside its solution markers, or its body after
    the docstring when it has none."""
    inside, found, marked = False, set(), False
    for number in range(node.lineno, node.end_lineno + 1):
        text = source_lines[number - 1].strip()
        if text.startswith(SOLUTION_BEGIN):
            inside, marked = True, True
        elif text.startswith(SOLUTION_END):
            inside = False
        elif inside:
            found.add(number)
    if marked:
        return found
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return {n for stmt in body for n in range(stmt.lineno, stmt.end_lineno + 1)}


def mutants(chapter: str, exercise: str) -> Iterator[tuple[str, dict]]:
    """(where, namespace) for every mutant of `exercise`: the reference module run with one
    change in one of its definitions, and "unchanged" first."""
    module = reference_module(chapter)
    source = inspect.getsource(module)
    tree = ast.parse(source)
    lines = source.splitlines()
    yield "unchanged", _run(tree, module)
    for node in tree.body:
        if not (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in solution_groups(chapter)[exercise]):
            continue
        solved = _solution_lines(lines, node)
        for k, (site, what, how) in enumerate(_sites(node, solved)):
            mutated = copy.deepcopy(tree)  # the same walk finds the same site in the copy
            target = list(_sites(_find(mutated, node.name), solved))[k][0]
            mutated = _Replace(target, how).visit(mutated)
            changed = ast.fix_missing_locations(ast.copy_location(how(copy.deepcopy(site)), site))
            change = f"`{ast.unparse(site)}` -> `{ast.unparse(changed)}`"
            try:
                namespace = _run(mutated, module)
            except Exception as error:  # noqa: BLE001 (a mutant that does not even run)
                namespace = {"__error__": f"{type(error).__name__}: {error}"}
            yield f"{node.name}, line {site.lineno}, {what}: {change[:160]} in `{lines[site.lineno - 1].strip()}`", \
                namespace


def _find(tree: ast.Module, name: str) -> ast.AST:
    return next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)


def _run(tree: ast.Module, module) -> dict:
    namespace = {"__name__": "autograder.audit.mutant", "__file__": getattr(module, "__file__", None),
                 "__package__": module.__package__}  # its relative imports (an earlier chapter's reference)
    exec(compile(ast.fix_missing_locations(tree), f"<mutant of {module.__name__}>", "exec"), namespace)
    return namespace


# --- grading a mutant ---------------------------------------------------------------------

def _tests_of(chapter: str, exercise: str) -> list[Callable]:
    names = set(solution_groups(chapter)[exercise])
    return [test for test in hidden_tests(chapter).values()
            if names & set(inspect.signature(test).parameters)]


def _grade(tests: list[Callable], namespace: dict) -> str:
    """"" when every test passes with the namespace's definitions, else the first failure."""
    if "__error__" in namespace:
        return namespace["__error__"]

    def expire(signum, frame):
        raise TimeLimitExceeded(f"the hidden tests took more than {SECONDS:g} s")

    try:
        with alarm(SECONDS, expire), np.errstate(all="ignore"), _quiet():
            for test in tests:
                test(*(namespace[name] for name in inspect.signature(test).parameters))
    except (Exception, TimeLimitExceeded) as error:  # noqa: BLE001 (a failure is the verdict)
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]
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
        return bool(a == b)
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


def audit(chapter: str, exercise: str, limit: int | None = None) -> Audit:
    """Every mutant of `exercise` (the first `limit`), graded and classified."""
    tests = _tests_of(chapter, exercise)
    accepted = getattr(importlib.import_module(f"autograder.cases.{chapter.split('_', 1)[1]}"),
                       "ACCEPTED_MUTANTS", {})
    result = Audit(exercise)
    for number, (where, namespace) in enumerate(mutants(chapter, exercise)):
        if where == "unchanged":
            result.baseline = _grade(tests, namespace) if tests else "no hidden test takes it"
            if result.baseline:
                return result
            continue
        if limit is not None and number > limit:
            break
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
