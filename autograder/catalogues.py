"""Gettext catalogues: merged with their source as msgmerge does, and checked.

`update` brings a catalogue in line with its template (new strings added untranslated;
a string that changed keeps its old translation marked fuzzy, with the string it was
made for; strings no longer in the source kept as obsolete). `problems` lists what
keeps a catalogue from being a complete translation of its template: a missing,
untranslated, fuzzy, obsolete or stale entry, a translation that lost a formula, a
code span or a number of its source, or a message whose {fields} changed.
`glossary_problems` lists the translations that do not use a glossary term.
"""
from __future__ import annotations

import copy
import difflib
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib


def update(po: polib.POFile, pot: polib.POFile) -> polib.POFile:
    """`po` brought in line with `pot`, as msgmerge does; returns a new catalogue."""
    old = {entry.msgid: entry for entry in po if not entry.obsolete}
    old_obsolete = {entry.msgid: entry for entry in po if entry.obsolete}
    merged = polib.POFile(wrapwidth=0)
    merged.metadata = dict(po.metadata or pot.metadata)
    current = {entry.msgid for entry in pot}
    used = set()
    for entry in pot:
        new = copy.copy(entry)
        new.flags = []
        if entry.msgid in old:
            new.msgstr = old[entry.msgid].msgstr
            new.flags = list(old[entry.msgid].flags)
            new.previous_msgid = old[entry.msgid].previous_msgid
            new.tcomment = old[entry.msgid].tcomment
            used.add(entry.msgid)
        else:
            unused = [key for key in [*old, *old_obsolete] if key not in used and key not in current]
            close = difflib.get_close_matches(entry.msgid, unused, n=1, cutoff=0.75)
            if close:
                before = old.get(close[0]) or old_obsolete[close[0]]
                if before.msgstr:
                    new.msgstr, new.flags, new.previous_msgid = before.msgstr, ["fuzzy"], close[0]
                    used.add(close[0])
        merged.append(new)
    for msgid, entry in {**old_obsolete, **old}.items():
        if msgid not in current and msgid not in used and entry.msgstr:
            gone = copy.copy(entry)
            gone.obsolete = True
            merged.append(gone)
    return merged


# Inline code spans and formulas may run over a line break (markdown reads it as a space).
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.S)
_CODE = re.compile(r"`[^`]+`")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)")


def kept(msgid: str, msgstr: str) -> list[str]:
    """What a translation lost of its source: formulas, code spans and numbers outside
    them (each must appear in the translation as often as in the source, a line break
    in a span read as a space; a translation may add, e.g. a year in a citation of a
    Chinese reference)."""
    lost = []
    for name, pattern in (("formula", _MATH), ("code", _CODE)):
        source, translated = (Counter(" ".join(span.split()) for span in pattern.findall(text))
                              for text in (msgid, msgstr))
        lost += [f"{name} {text}" for text, count in source.items() if translated[text] < count]
    plain = lambda text: _CODE.sub(" ", _MATH.sub(" ", text))  # noqa: E731
    source, translated = Counter(_NUMBER.findall(plain(msgid))), Counter(_NUMBER.findall(plain(msgstr)))
    lost += [f"number {text}" for text, count in source.items() if translated[text] < count]
    return lost


def fields(message: str) -> set[str] | None:
    """The names of a message's {fields}, or None when it is no valid format string."""
    try:
        return {name for _text, name, _spec, _conversion in string.Formatter().parse(message)
                if name is not None}
    except ValueError:
        return None


def problems(po: polib.POFile, pot: polib.POFile) -> list[str]:
    """Why `po` is not a complete translation of `pot` (empty when it is)."""
    found = []
    entries = {entry.msgid: entry for entry in po if not entry.obsolete}
    for entry in pot:
        have = entries.get(entry.msgid)
        short = entry.msgid[:70].replace("\n", " ")
        if have is None:
            found.append(f"missing: {short!r}")
        elif not have.msgstr.strip():
            found.append(f"untranslated: {short!r}")
        elif "fuzzy" in have.flags:
            found.append(f"fuzzy (the source changed; check the translation, then drop the flag): {short!r}")
        elif entry.comment.startswith("markdown"):
            found += [f"the translation lost {what}: {short!r}" for what in kept(entry.msgid, have.msgstr)]
        elif entry.comment.startswith("message") and fields(entry.msgid) != fields(have.msgstr):
            found.append(f"the translation's {{fields}} {sorted(fields(have.msgstr))} are not the "
                         f"message's {sorted(fields(entry.msgid))}: {short!r}")
    found += [f"obsolete (no longer in the source): {entry.msgid[:70]!r}" for entry in po if entry.obsolete]
    current = {entry.msgid for entry in pot}
    found += [f"stale (no longer in the source): {msgid[:70]!r}" for msgid in entries if msgid not in current]
    return found


def catalogue_path(root: Path, language: str, name: str) -> Path:
    return root / "translations" / language / f"{name}.po"


# --- the glossary -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    english: str  # a regular expression, matched case-insensitively as whole words
    chinese: str
    note: str = ""

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(rf"(?<![\w-])(?:{self.english})(?![\w-])", re.I)


def glossary(root: Path, language: str) -> list[Term]:
    """The terms of `language`'s edition (translations/<language>/glossary.tsv)."""
    terms = []
    lines = (root / "translations" / language / "glossary.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    for row in rows[1:]:
        english, chinese, *note = row.split("\t")
        terms.append(Term(english, chinese, note[0] if note else ""))
    return terms


def prose(text: str) -> str:
    """`text` without its code spans, formulas and link targets (where terms are looked for)."""
    return re.sub(r"\]\([^)]*\)", "]", _CODE.sub(" ", _MATH.sub(" ", text)))


def glossary_problems(po: polib.POFile, terms: list[Term]) -> list[str]:
    """Translations that do not use a glossary term for an English term of their source."""
    found = []
    for entry in po:
        if entry.obsolete or not entry.msgstr or entry.msgstr == entry.msgid:
            continue
        for term in terms:
            if term.pattern.search(prose(entry.msgid)) and term.chinese not in entry.msgstr:
                found.append(f"{term.english!r} is {term.chinese!r}: {entry.msgid[:60]!r}")
    return found
