"""The student's names in a test cell: `Remote` proxies into the kernel, and what only
data may be (see autograder.sealed)."""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

import numpy as np

from adcourse import functions, wire
from adcourse.i18n import _

if TYPE_CHECKING:
    from ._bridge import Bridge


class RemoteError(Exception):
    """The student's code raised an exception in the kernel."""

    def __init__(self, ename: str, evalue: str, line: str = ""):
        super().__init__(evalue)
        self.ename, self.evalue, self.line = ename, evalue, line


class KernelUnavailable(Exception):
    """The kernel died, timed out or stopped answering the grader."""


class NotData(TypeError):
    """A test asked a question of an object of the student's (a comparison, a truth
    value, an array of it) that only data may answer: the student's own operators would
    decide it, in the kernel."""


class CallbackTimeLimit(Exception):
    """A function of the test, called by the student's code, ran out of the test's time."""


class GraderTimeLimit(BaseException):
    """The grader's own work on a test cell ran past the cell's time (a BaseException, so
    that the checking API does not count it as one case's error and go on)."""



class ExerciseNames(set):
    """The names answer cells define; `classes`, those defined by a class statement (in
    the gradebook's source, not the student's): the exercises whose objects' comparisons
    are answers (`Dual(1, 5) < Dual(2, -5)`), asked of the kernel."""

    classes: frozenset = frozenset()


def exercise_names(answer_sources: list[str]) -> ExerciseNames:
    """Names the answer cells define at top level: the names tests may take from the kernel."""
    names, classes = ExerciseNames(), set()
    for source in answer_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                if isinstance(node, ast.ClassDef):
                    classes.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    names.classes = frozenset(classes)
    return names


def _names_used(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_used(const)
    return names


class Remote(wire.Proxy):
    """Something the student defined, living in the kernel.

    Calls, attributes, items and arithmetic are answered by the kernel (answers, judged
    here as data); comparisons, truth values and conversion to an array are not: a
    student's `__eq__` or `__lt__` must not decide a test, so they raise `NotData`.
    """

    __slots__ = ("_bridge", "_token", "_label", "_globals", "_watch", "_seconds", "_type")
    # NumPy defers to the proxy's reflected operators: `array @ tensor` and `array + tensor`
    # run the student's __rmatmul__ / __radd__ instead of NumPy treating the proxy as an object.
    __array_ufunc__ = None

    def __init__(self, bridge: "Bridge", token: dict, label: str, globals_: dict | None = None,
                 watch: tuple[str, ...] = (), seconds: float | None = None, type_name: str = ""):
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_token", token)
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_globals", globals_ or {})
        object.__setattr__(self, "_watch", tuple(watch))
        object.__setattr__(self, "_seconds", seconds)

    def __call__(self, *args, **kwargs):
        request = {"op": wire.CALL, "target": self._token,
                   "args": self._bridge.encode(args),
                   "kwargs": self._bridge.encode(kwargs),
                   "globals": self._bridge.encode(self._globals)}
        if self._watch:
            request["watch"] = list(self._watch)
        value, after = self._bridge.request(request, seconds=self._seconds)
        _copy_back(args, after)
        return self._passed_on(value)

    def call_each(self, calls: list[tuple[tuple, dict]]) -> list:
        """Call this function on each (args, kwargs) in one round trip to the kernel;
        each item is (value, None) or the exception raised, as `Bridge.call_each`."""
        results = self._bridge.call_each(self._token, calls, self._globals, self._watch, self._seconds)
        for (args, _kwargs), result in zip(calls, results):
            if isinstance(result, tuple):
                _copy_back(args, result[1])
        return [r if isinstance(r, Exception) else (self._passed_on(r[0]), None) for r in results]

    def _passed_on(self, value, depth: int = 0):
        """`value`, with the functions and objects of the student's that a watched or
        timed call returned held to the same watch and time limit (a `compile_expr` whose
        function does the banned work when called later is watched then too)."""
        if isinstance(value, Remote) and (self._watch or self._seconds):
            object.__setattr__(value, "_watch", value._watch or self._watch)
            object.__setattr__(value, "_seconds", value._seconds or self._seconds)
        elif isinstance(value, (list, tuple)) and depth < 4:
            for item in value:
                self._passed_on(item, depth + 1)
        elif isinstance(value, dict) and depth < 4:
            for item in value.values():
                self._passed_on(item, depth + 1)
        return value

    def with_globals(self, helpers: dict) -> "Remote":
        """This function with some of its global names bound to the grader's helpers."""
        return Remote(self._bridge, self._token, self._label, dict(helpers), self._watch, self._seconds)

    def watching(self, libraries) -> "Remote":
        """This function, failing with `LibraryUsed` if one of `libraries` runs in a call
        (see `adcourse.remote.watched`)."""
        return Remote(self._bridge, self._token, self._label, self._globals, tuple(libraries),
                      self._seconds)

    def within(self, seconds: float) -> "Remote":
        """This function, each call failing with `TimeLimitExceeded` after `seconds` (see
        `adcourse.remote.limited`): a test that must fail fast instead of hanging."""
        return Remote(self._bridge, self._token, self._label, self._globals, self._watch, seconds)

    def _course_in_kernel(self, program):
        """`adcourse.functions.in_kernel` on a proxy: `program` run in the kernel."""
        return in_kernel(program, self)

    def __getattr__(self, name):
        # Private names are no exercise's contract, and libraries look for their own
        # protocols by them (SymPy's `_sympy_`, NumPy's and IPython's `_repr_*_`).
        if name.startswith("_"):
            raise AttributeError(name)
        return self._bridge.request({"op": wire.GETATTR, "target": self._token, "name": name})[0]

    def __getitem__(self, key):
        return self._bridge.request({"op": wire.GETITEM, "target": self._token,
                                     "key": self._bridge.encode(key)})[0]

    def __len__(self):
        return self._bridge.request({"op": wire.LEN, "target": self._token})[0]

    def __repr__(self):
        return _("<{label} (in the student's kernel)>").format(label=self._label)

    __hash__ = object.__hash__

    def stands_for_the_same_object_as(self, other) -> bool:
        return (isinstance(other, Remote) and other._bridge is self._bridge
                and "$h" in self._token and other._token.get("$h") == self._token["$h"])

    def not_data(self) -> str:
        kind = self._type or "object"
        if kind in ("function", "type", "method", "builtin_function_or_method"):
            return _("{label} itself (a {kind})").format(label=self._label[:80], kind=kind)
        return _("an object of your class {kind}").format(kind=kind[:60])

    def _refuse(self, message: str, **fields):
        """Raise NotData with `message` (translated), whose {object} is what this proxy stands for."""
        raise NotData(message.format(object=self.not_data(), **fields))

    def __bool__(self):
        self._refuse(_("the truth value of {object}: the test needs a number or an array (data) here, and "
                       "an object's own operators cannot decide a test"))

    def __array__(self, *args, **kwargs):
        self._refuse(_("an array made of {object}: the test needs a number or an array (data) here, and an "
                       "object's own operators cannot decide a test"))


def in_kernel(program: functions.Fn, like):
    """The catalogue function `program`, called where `like` lives.

    When `like` is a `Remote` (the student's function or class), calls of the result run
    `program` in the student's kernel, in one round trip, under `like`'s time limit and
    library watch: how a test runs a whole computation on the student's objects (a graph
    of tens of thousands of nodes, say) without one round trip per operation. The
    program is course code the student can read (`adcourse.functions`); what it returns
    is data, judged here like any answer. Otherwise `program` itself is returned.
    """
    if not any(program is fn for fn in functions.CATALOGUE):
        raise ValueError(f"{program!r} is not a catalogue function: only those run in a kernel")
    if isinstance(like, Remote):
        return Remote(like._bridge, {"$fn": program.name}, _("{name} (in your kernel)").format(name=program.name),
                      watch=like._watch, seconds=like._seconds)
    return program


def _copy_back(args: tuple, after) -> None:
    """Arrays are passed by sharing: what the call did to them is copied back."""
    for original, final in zip(args, after or ()):
        if (isinstance(original, np.ndarray) and isinstance(final, np.ndarray)
                and final.shape == original.shape and original.flags.writeable):
            np.copyto(original, final, casting="unsafe")


def _binary(name: str, reflected: bool = False):
    def method(self, other):
        return self._bridge.request({"op": wire.BINARY, "name": name, "target": self._token,
                                     "other": self._bridge.encode(other), "reflected": reflected})[0]
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(Remote, f"__{_name}__", _binary(_name))
    setattr(Remote, f"__r{_name}__", _binary(_name, reflected=True))
def _comparison(name: str, symbol: str):
    def method(self, other):
        # Only objects of a class that is itself an exercise (Dual, Var, Tensor) compare
        # in the kernel, as answers, and the answer must be a truth value (data).
        classes = getattr(self._bridge, "classes", frozenset())
        if self._type not in classes or (isinstance(other, Remote) and other._type not in classes):
            self._refuse(_("`{symbol}` on {object}: the test needs a number or an array (data) here, and an "
                           "object's own operators cannot decide a test"), symbol=symbol)
        value = self._bridge.request({"op": wire.BINARY, "name": name, "target": self._token,
                                      "other": self._bridge.encode(other), "reflected": False})[0]
        if not isinstance(value, (bool, np.bool_)):
            raise NotData(_("`{symbol}` of your class {kind} returned {value}, not True or False").format(
                symbol=symbol, kind=self._type,
                value=value.not_data() if isinstance(value, Remote) else type(value).__name__))
        return bool(value)
    return method


for _name, _symbol in (("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")):
    setattr(Remote, f"__{_name}__", _comparison(_name, _symbol))
for _name in ("neg", "pos", "abs"):
    setattr(Remote, f"__{_name}__",
            (lambda n: lambda self: self._bridge.request({"op": wire.UNARY, "name": n,
                                                          "target": self._token})[0])(_name))


