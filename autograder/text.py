"""Text that students chose (ids, file names, messages), made safe to print.

Printed raw on the grader's terminal, an escape sequence from a submission could
retitle the window, recolour it, or forge a line of the grade log; `printable` and
`shown` are how the grader prints anything a student wrote.
"""
from __future__ import annotations


def printable(name: str) -> str:
    """`name` with every character that is not printable escaped (and backslashes doubled).

    A name that a student chose can hold escape sequences that would rewrite the
    instructor's terminal; undecodable bytes (surrogates from the file system) are
    shown as the bytes they were.
    """
    shown = []
    for char in name:
        code = ord(char)
        if char == "\\":
            shown.append("\\\\")
        elif char.isprintable():
            shown.append(char)
        elif 0xDC80 <= code <= 0xDCFF:
            shown.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x100:
            shown.append(f"\\x{code:02x}")
        elif code < 0x10000:
            shown.append(f"\\u{code:04x}")
        else:
            shown.append(f"\\U{code:08x}")
    return "".join(shown)


def shown(text: object, limit: int = 200) -> str:
    """`text` as `printable` makes it, and at most `limit` characters of it."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    return printable(text)
