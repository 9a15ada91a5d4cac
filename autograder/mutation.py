"""Mutants of a chapter's reference: each definition changed in one place (see `autograder.audit`)."""
from __future__ import annotations

import ast
import copy
import inspect
from typing import Callable, Iterator

from .notebook import SOLUTION_BEGIN, SOLUTION_END
from .sync import reference_module, solution_groups

#: NumPy functions a mistake confuses, each with what it is mistaken for.
_CONFUSED = {"max": "min", "min": "max", "sum": "mean", "mean": "sum", "sin": "cos", "cos": "sin",
             "exp": "log", "log": "exp", "maximum": "minimum", "minimum": "maximum", "outer": "dot",
             "dot": "outer", "sign": "abs", "abs": "sign", "tanh": "sin", "sqrt": "abs"}

_SWAPS = {ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.And: ast.Or, ast.Or: ast.And, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
          ast.MatMult: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
          ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


#: Functions that undo broadcasting (sum a gradient back to an operand's shape): a call
#: replaced by its first argument is "broadcasting not undone".
_UNBROADCAST = ("unbroadcast", "_unbroadcast", "sum_to", "sum_to_shape", "reduce_to")


def _called(call: ast.Call) -> str:
    function = call.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")


def _sites(node: ast.AST, lines: set[int]) -> Iterator[tuple[ast.AST, str, Callable[[ast.AST], ast.AST]]]:
    """(node, what changes, how) for every mutation point of `node` on the given lines."""
    for child in ast.walk(node):
        if getattr(child, "lineno", None) not in lines:
            continue
        # The mistakes autodiff code invites, besides the operators below (a node may take both).
        if isinstance(child, ast.Call) and _called(child) in _UNBROADCAST and child.args:
            yield child, "broadcasting not undone", lambda n: n.args[0]
        if isinstance(child, ast.Call) and any(k.arg == "axis" for k in child.keywords):
            yield child, "the axis dropped (a reduction over every axis)", lambda n: ast.Call(
                n.func, n.args, [k for k in n.keywords if k.arg != "axis"])
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
