"""A data-only wire format between the grader and a student's kernel.

Values cross as JSON: numbers, strings, booleans, None, lists, tuples, dicts, and
NumPy arrays and scalars of numeric dtypes (raw bytes in base64), and the course's
expression trees (`adcourse.expressions`, as a list of nodes that each side rebuilds
with its own classes). Anything else
(a function, an object of a student's class) crosses as a token that the other side
maps to a handle or a callback; nothing is ever unpickled or evaluated. `decode`
checks what it builds (dtype kinds, sizes, nesting depth), so a hostile peer can
send only data, and only so much of it.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Callable

import numpy as np

from . import expressions
from .i18n import _

#: What one message may carry at most: nesting depth and array bytes in all.
#: The operations of a request: the grader's proxies send them (autograder.sealed), the
#: kernel end performs them (adcourse.remote.handle); any other is refused there.
LOOKUP = "lookup"        # a test cell begins: the student's names it uses
CALL = "call"            # call a function of the kernel's (with the grader's helpers bound)
CALL_EACH = "call_each"  # a list of calls, one round trip, each with its own outcome
GETATTR = "getattr"
GETITEM = "getitem"
BINARY = "binary"        # an operator: `name` (add, matmul, lt, ...), `reflected`
UNARY = "unary"
LEN = "len"
OPERATIONS = frozenset({LOOKUP, CALL, CALL_EACH, GETATTR, GETITEM, BINARY, UNARY, LEN})

MAX_DEPTH = 32
MAX_ARRAY_BYTES = 16 * 2**20
#: The longest message text either side parses (arrays travel in base64, 4/3 of their
#: bytes, so MAX_ARRAY_BYTES of arrays fit), and the most JSON values it may hold: both
#: checked before anything is parsed, so parsing a message costs a bounded amount of
#: memory (about 60 bytes a value at worst) whatever the peer sends.
MAX_MESSAGE_CHARS = 24 * 2**20
MAX_VALUES = 500_000

_NUMERIC_KINDS = "biufc"


class WireError(ValueError):
    """A message that is not well-formed data."""


def _dtype(text: str) -> np.dtype:
    try:
        dtype = np.dtype(text)
    except TypeError:
        raise WireError(_("unknown dtype {dtype}").format(dtype=repr(text))) from None
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(_("dtype {dtype} is not a plain numeric type").format(dtype=repr(text)))
    return dtype


def encode(value: Any, on_object: Callable[[Any], dict], depth: int = 0) -> Any:
    """`value` as JSON-ready data; `on_object` turns anything else into a token."""
    if depth > MAX_DEPTH:
        raise WireError(_("value nested too deeply"))
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in _NUMERIC_KINDS:
        return {"$s": value.dtype.str, "b": base64.b64encode(value.tobytes()).decode()}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)} if value != value or value in (float("inf"), float("-inf")) else value
    if isinstance(value, complex):
        return {"$c": [encode(value.real, on_object), encode(value.imag, on_object)]}
    if isinstance(value, np.ndarray) and value.dtype.kind in _NUMERIC_KINDS and value.dtype.fields is None:
        array = value if value.flags.c_contiguous else value.copy(order="C")
        return {"$nd": array.dtype.str, "shape": list(array.shape),
                "b": base64.b64encode(array.tobytes()).decode()}
    if isinstance(value, tuple) and type(value) is tuple:
        return {"$t": [encode(v, on_object, depth + 1) for v in value]}
    if isinstance(value, list) and type(value) is list:
        return [encode(v, on_object, depth + 1) for v in value]
    if type(value) is dict:
        return {"$d": [[encode(k, on_object, depth + 1), encode(v, on_object, depth + 1)]
                       for k, v in value.items()]}
    if isinstance(value, expressions.Expr):
        return {"$ex": expressions.to_data(value)}
    return on_object(value)


class _Budget:
    def __init__(self):
        self.array_bytes = 0

    def take(self, n: int):
        self.array_bytes += n
        if self.array_bytes > MAX_ARRAY_BYTES:
            raise WireError(_("message carries more than {size} MiB of arrays").format(size=MAX_ARRAY_BYTES >> 20))


def decode(data: Any, on_token: Callable[[dict], Any], depth: int = 0, budget: _Budget | None = None) -> Any:
    """The value `data` stands for; `on_token` maps tokens that are not data."""
    budget = budget or _Budget()
    if depth > MAX_DEPTH:
        raise WireError(_("value nested too deeply"))
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, on_token, depth + 1, budget) for v in data]
    if not isinstance(data, dict):
        raise WireError(_("unexpected {kind} on the wire").format(kind=type(data).__name__))
    if "$float" in data:
        value = float(data["$float"])
        if value == value and value not in (float("inf"), float("-inf")):
            raise WireError(_("a $float token carries only nan or infinities"))
        return value
    if "$c" in data:
        re_part, im_part = (decode(v, on_token, depth + 1, budget) for v in data["$c"])
        return complex(float(re_part), float(im_part))
    if "$s" in data:
        dtype = _dtype(data["$s"])
        raw = base64.b64decode(data["b"], validate=True)
        if len(raw) != dtype.itemsize:
            raise WireError(_("scalar of the wrong size"))
        return np.frombuffer(raw, dtype=dtype)[0]
    if "$nd" in data:
        dtype = _dtype(data["$nd"])
        shape = tuple(int(n) for n in data["shape"])
        if any(n < 0 for n in shape) or len(shape) > 32:
            raise WireError(_("bad array shape"))
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        budget.take(count * dtype.itemsize)
        raw = base64.b64decode(data["b"], validate=True)
        if len(raw) != count * dtype.itemsize:
            raise WireError(_("array data does not match its shape"))
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "$t" in data:
        return tuple(decode(v, on_token, depth + 1, budget) for v in data["$t"])
    if "$d" in data:
        result = {}
        for pair in data["$d"]:
            key, value = pair
            key = decode(key, on_token, depth + 1, budget)
            try:
                hash(key)
            except TypeError:
                raise WireError(_("unhashable dict key")) from None
            result[key] = decode(value, on_token, depth + 1, budget)
        return result
    if "$ex" in data:
        try:
            return expressions.from_data(data["$ex"])
        except (ValueError, TypeError, RecursionError) as exc:
            raise WireError(_("malformed expression: {error}").format(error=exc)) from None
    return on_token(data)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def loads(text: str) -> Any:
    """The JSON value of `text`, once its size is checked (`MAX_MESSAGE_CHARS`,
    `MAX_VALUES`); a WireError otherwise."""
    if not isinstance(text, str):
        raise WireError(_("a message is text, not {kind}").format(kind=type(text).__name__))
    if len(text) > MAX_MESSAGE_CHARS:
        raise WireError(_("message of {count} characters (at most {most})").format(
            count=f"{len(text):,}", most=f"{MAX_MESSAGE_CHARS:,}"))
    # Every JSON value but the first follows a comma, a colon or an opening bracket.
    values = text.count(",") + text.count("[") + text.count(":") + 1
    if values > MAX_VALUES:
        raise WireError(_("message of more than {most} values").format(most=f"{MAX_VALUES:,}"))
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WireError(_("not JSON ({error})").format(error=str(exc)[:100])) from None


class Proxy:
    """Base of the grader's stand-ins for objects that stay in a student's kernel: never
    data, so no check accepts one as a value (see `adcourse.checking.not_data`)."""

    __slots__ = ()

    def not_data(self) -> str:
        return _("an object that is not data")

    def stands_for_the_same_object_as(self, other) -> bool:
        """Whether `other` stands for the same object of the kernel (the kernel gives one
        object one handle within a test cell)."""
        return False


def same_object(a, b) -> bool:
    """`a is b`, for objects here and for proxies of objects in a kernel alike."""
    return a is b or (isinstance(a, Proxy) and a.stands_for_the_same_object_as(b))
