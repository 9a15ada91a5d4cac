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


class spreadsheet_writer:
    """A CSV writer for the files an instructor opens in a spreadsheet: defusedcsv's, which
    writes a text cell a spreadsheet would run as a formula (one starting with = + - @ | %)
    after a single quote, so that it is shown as text. A cell starting with a tab or a
    carriage return is quoted too: OWASP's list of formula starts has them, as a
    spreadsheet may drop them and run what follows."""

    def __init__(self, handle, **options):
        from defusedcsv import csv

        self._writer = csv.writer(handle, **options)

    @staticmethod
    def _cell(value):
        return "'" + value if isinstance(value, str) and value[:1] in ("\t", "\r") else value

    def writerow(self, row):
        return self._writer.writerow([self._cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def student_html(student: str) -> str:
    """A student id (a folder name the student chose) in an HTML page: escaped, as
    `printable` shows it (so a right-to-left override or another format character cannot
    make it read as someone else's id), spaces at its ends made visible, in an element of
    its own, isolated from the text around it."""
    import html

    text = printable(str(student))
    core = text.strip(" ")
    lead, tail = len(text) - len(text.lstrip(" ")), len(text) - len(text.rstrip(" "))
    return f"<bdi class='student'>{'␣' * lead}{html.escape(core, quote=True)}{'␣' * tail}</bdi>"
