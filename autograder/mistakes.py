"""The mistakes the grading named in a class's feedback.

Every failed test cell's message (the autograded notebook's error output: what the
student's feedback page shows) is read for the names the diagnostics give: `likely
mistake: ...`, an exercise's own finding (a case of `compare` and what was wrong with it),
`not answered yet`, the error an answer raised. The inputs are drawn for each student,
so the same mistake is said with other values in every submission: a finding said by a
message of the course's catalogues keeps the message's words and loses the values that
hold numbers ("called backward … times for steps=…"), any other text its numbers. An
exercise lost where no failed cell names anything is counted as such: it shows where a
class goes wrong in a way the diagnostics do not know yet. Messages are read in the chapter's language.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

import nbformat

from adcourse.i18n import N_, messages, translated

from .course import base_chapter, notebook_name
from .scores import exercise_of

#: Characters of one message that are read, and of one mistake's name that are kept.
MESSAGE_LIMIT, LABEL_LIMIT = 5_000, 500
#: Characters of a message's value that are read again for a message inside it.
VALUE_LIMIT = 300
#: An autograded notebook larger than this is not read (grading bounds its outputs far below).
NOTEBOOK_LIMIT = 32 * 1024 * 1024

#: The errors of the grader's checks: their messages are its findings. Any other error of a
#: test cell is one the student's code raised (the kernel's name for it).
FINDINGS = frozenset({"CheckFailure", "AssertionError", "LibraryUsed", "Unacceptable", "NotData",
                      "TimeLimitExceeded", "GraderTimeLimit", "CallbackTimeLimit", "KernelUnavailable"})

NOT_ANSWERED = N_("not answered yet")
RAISED = N_("raised {error}: {message}")
UNNAMED = N_("wrong result, no typical mistake recognised")


@lru_cache(maxsize=None)
def _literals(template: str, language: str = "") -> tuple[str, ...] | None:
    """The words of a message around its {fields} (`template` translated into `language`,
    when given): one more than it has fields; None for a message without fields, or with
    two fields side by side (which no text tells apart)."""
    message = translated(template, language) if language else template
    try:
        parsed = list(string.Formatter().parse(message))
    except ValueError:
        return None
    literals = [literal for literal, _name, _spec, _conversion in parsed]
    if parsed and parsed[-1][1] is not None:
        literals.append("")
    if len(literals) < 2 or any(not literal for literal in literals[1:-1]):
        return None
    return tuple(literals)


def _match(literals: tuple[str, ...] | None, text: str, last_rightmost: bool = False) -> list[str] | None:
    """The values of the fields if `text` is the message of these `literals`, or None. Each
    word is found where it first occurs after the previous one (the last one before the
    final field, where it last occurs, with `last_rightmost`): a search, never a
    backtracking match, so no text costs more than a pass per word."""
    if not literals or not text.startswith(literals[0]) or not text.endswith(literals[-1]):
        return None
    limit, position, values = len(text) - len(literals[-1]), len(literals[0]), []
    middle = literals[1:-1]
    for k, literal in enumerate(middle):
        rightmost = last_rightmost and k == len(middle) - 1
        found = text.rfind(literal, position + 1, limit) if rightmost else text.find(literal, position + 1, limit)
        if found < 0:
            return None
        values.append(text[position:found])
        position = found + len(literal)
    if position >= limit:
        return None
    return values + [text[position:limit]]


def _fields(template: str, language: str, text: str, last_rightmost: bool = False) -> dict[str, str] | None:
    """name -> value of each field, if `text` is `template` in `language` (`_match`); the
    translation may put the fields in another order."""
    values = _match(_literals(template, language), text, last_rightmost)
    if values is None:
        return None
    names = [name for _literal, name, _spec, _conversion in string.Formatter().parse(translated(template, language))
             if name is not None]
    return dict(zip(names, values))


def _said(template: str, language: str, **fields) -> str:
    return translated(template, language).format(**fields)


def _call_end(text: str, name: str) -> int | None:
    """Where the call `name(...)` that starts `text` ends (after its parenthesis: its
    arguments may take several lines), or None."""
    if not text.startswith(name + "("):
        return None
    depth = 0
    for i in range(len(name), len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    return None


def _sentence(text: str) -> str:
    """`text` (one line), cut to at most LABEL_LIMIT characters at the end of a sentence."""
    text = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(text) <= LABEL_LIMIT:
        return text.rstrip(".")
    cut = max(text.rfind(". ", 0, LABEL_LIMIT), text.rfind("。", 0, LABEL_LIMIT))
    return text[:cut] if cut > 0 else text[:LABEL_LIMIT - 1] + "…"


def _general(text: str, language: str = "en", numbers: bool = True, depth: int = 0) -> str:
    """A mistake's words without what belongs to the student's case: the inputs are drawn
    for each student, so the same mistake is said with other values in every submission.
    Said by a message of the course's catalogues, the message's own words are kept, and each
    of its values as `_value` says; said otherwise, every number is replaced by N (unless
    not `numbers`)."""
    if text in _exact(language):
        return text
    if depth < 3:
        for literals in _templates(language):
            values = _match(literals, text)
            if values is not None:
                shown = [_value(v, language, depth) for v in values] + [""]
                return "".join(literal + value for literal, value in zip(literals, shown))
    return _numbers(text) if numbers else text


def _numbers(text: str) -> str:
    """`text` with its numbers replaced by N and its lists of values by […]."""
    return _NUMBER.sub("N", _ARRAY.sub("[…]", text))


def _value(value: str, language: str, depth: int) -> str:
    """A value of a message in a mistake's name: a message itself (a finding inside a
    finding) as `_general` says it; a short one without a number (a function's name, a kind
    of value) as it is; words (an explanation) without their numbers; else "…"."""
    if value in _exact(language):
        return value
    if len(value) <= 40 and not re.search(r"\d|\n", value):
        return value
    if len(re.findall(r"[^\W\d_]{2,}", value[:VALUE_LIMIT])) >= 4 or re.search(r"[\u4e00-\u9fff]{4}", value[:VALUE_LIMIT]):
        return _general(value[:VALUE_LIMIT], language, depth=depth + 1)
    return "…"


@lru_cache(maxsize=None)
def _exact(language: str) -> frozenset[str]:
    return frozenset(messages(language))


@lru_cache(maxsize=None)
def _templates(language: str) -> tuple[tuple[str, ...], ...]:
    """The words of each message of the catalogues with {fields} and enough words of its own
    to be recognised, the most specific first."""
    found = [literals for message in messages(language)
             if (literals := _literals(message)) and len("".join(literals).strip()) >= 16]
    return tuple(sorted(found, key=lambda literals: -len("".join(literals))))


_ARRAY = re.compile(r"\[[^\]\n]*\]")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[,_]\d+)*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w(])|\d+\.\d+")


NOT_ANSWERED_MESSAGE = ("`{name}` is not answered yet: replace `raise NotImplementedError()` in its "
                        "cell with your code")
RAISED_AT, RAISED_PLAIN = "`{name}` raised {error}: {message} at {line}", "`{name}` raised {error}: {message}"
STUDENT_LINE = "`{code}` (line {number} of its cell)"


def _reason(reason: str, language: str) -> tuple[str, bool]:
    """(the name of the mistake a message's explanation gives, whether it is an error the
    answer raised)."""
    if _match(_literals(NOT_ANSWERED_MESSAGE, language), reason):
        return _said(NOT_ANSWERED, language), False
    # "... at `code` (line 2 of its cell)": the line is the last part, the message may say "at".
    at_line = reason.endswith(_literals(STUDENT_LINE, language)[-1])
    raised = (at_line and _fields(RAISED_AT, language, reason, last_rightmost=True)) \
        or _fields(RAISED_PLAIN, language, reason)
    if raised:
        return _raised(raised["error"], raised["message"], language), True
    return _sentence(_general(reason, language)), False


def _raised(error: str, message: str, language: str) -> str:
    """"raised ValueError: math domain error": the error an answer raised, and its message
    (the first line, without its numbers: it is the student's code that says it, so it is
    never read as a message of the course's)."""
    line = message.strip().splitlines()[0][:VALUE_LIMIT] if message.strip() else ""
    return _said(RAISED, language, error=error[:80], message=_numbers(line)[:120].strip())


def mistake_names(ename: str, evalue: str, language: str = "en") -> list[str]:
    """The mistakes a failed test cell's error (its name and message) names; none when
    its message names none (a value that is wrong in no way the diagnostics know)."""
    language = language or "en"
    text = str(evalue)[:MESSAGE_LIMIT]
    if ename == "NotImplementedError":
        return [_said(NOT_ANSWERED, language)]
    if ename not in FINDINGS:
        return [_raised(str(ename), text, language)]
    likely = _literals("likely mistake: {hint}", language)[0]
    # A value check's message: what was checked, then the expected and the got value.
    expected = _literals("expected: {value}", language)[0].strip()
    blocks, name = text.split("\n\n"), None
    header = _fields("{failed} of {total} test cases of `{name}` failed.", language, blocks[0])
    if header:
        name, blocks = header["name"], blocks[1:]
    found = []
    for block in blocks:
        lines = block.splitlines() or [""]
        if name is not None:  # compare()'s message: a block per failing case, its call first
            end = _call_end(block, name)
            if end is None:  # no case: the count of the others, or more of a message an answer gave
                continue
            rest, *lines = block[end:].split("\n")
            if rest.startswith(": ") or rest.startswith("："):  # what was wrong with the case
                named, answers = _reason(rest[1:].lstrip(" "), language)
                found.append(named)
                if answers:  # the answer's own error: what follows is its message, not the course's
                    continue
            elif rest.strip() and not lines:
                found.append(_sentence(_general(rest, language)))
                continue
        hints = [line.strip()[len(likely):] for line in lines
                 if line.strip().startswith(likely) and len(line.strip()) > len(likely)]
        if hints:
            found += [_sentence(_general(h.strip(), language, numbers=False)) for h in hints]
        elif name is None and not any(line.lstrip().startswith(expected) for line in lines[1:]):
            found.append(_reason(lines[0], language)[0])  # a check's own finding, said in its message
    return list(dict.fromkeys(f for f in found if f))


def read_mistakes(root: Path, chapter: str, names: list[str],
                  students: list[str]) -> dict[str, dict[str, list[str]]]:
    """student -> exercise -> mistakes named by its autograded notebook's failed test cells."""
    language = base_chapter(chapter)[1] or "en"
    notebook = notebook_name(root, chapter)
    found: dict[str, dict[str, list[str]]] = {}
    for student in students:
        path = root / "autograded" / student / chapter / notebook
        try:
            if path.stat().st_size > NOTEBOOK_LIMIT:
                continue
            nb = nbformat.read(path, as_version=4)
        except Exception:  # not graded (its feedback says why) or unreadable: nothing named
            continue
        per_exercise = found.setdefault(student, {})
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str) or not meta.get("grade") or meta.get("solution"):
                continue
            try:
                owner = exercise_of(grade_id, names)
            except ValueError:
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    named = mistake_names(str(output.get("ename", "")), str(output.get("evalue", "")), language)
                    per_exercise[owner] = list(dict.fromkeys(per_exercise.get(owner, []) + named))
        # An exercise lost where no cell named anything (a visible test's plain "values
        # differ" beside a hidden test's diagnosis says nothing more).
        for owner, named in per_exercise.items():
            if not named:
                per_exercise[owner] = [_said(UNNAMED, language)]
    return found
