"""The language of the course's messages and plots.

English is the source language. A translated edition of a chapter starts with
`adcourse.i18n.use("zh_CN")`: from then on the messages of the visible tests and
diagnostics, and the text of the course's plots and widgets, are in that language,
and matplotlib draws its characters with a font that has them.

Messages are looked up in gettext catalogues (`translations/<language>/adcourse.po` in
the course repository, `adcourse/locale/<language>.po` in the students' package; the
grader adds its own, `autograder.po`). A message is written in the code as

    _("`{name}` is not answered yet").format(name=name)

(a constant with named fields, never an f-string: the constant is the catalogue's key),
and `N_("...")` marks a constant that is translated later, where it is shown.
A message without a translation is shown in English.
"""
from __future__ import annotations

import contextvars
import string
import warnings
from pathlib import Path

import polib

#: The languages a notebook may choose, and the catalogues' folder name for each.
LANGUAGES = ("en", "zh_CN")
#: Fonts with the Simplified Chinese characters, in the order they are preferred: the one
#: the course installs on Linux (Debian's fonts-noto-cjk), then those of Windows and macOS.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
             "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
             "Hiragino Sans GB", "Heiti SC", "SimHei", "Arial Unicode MS")

_HERE = Path(__file__).resolve().parent
#: Where catalogues are looked for: the package's own, then the course repository's.
FOLDERS = [_HERE / "locale", _HERE.parent / "translations"]
#: The catalogue domains: the kernel side's; the grader appends "autograder".
DOMAINS = ["adcourse"]

#: The language: this context's (a grading job's: a Dask worker runs jobs in threads of one
#: process, each in its own context), else the process's (a kernel's, set by a cell).
_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("adcourse_language", default=None)
_language = "en"
_tables: dict[tuple[str, str], dict[str, str]] = {}


def _fields(message: str):
    """The {fields} of a message, with their formats (a translation that changes them is
    not used: it could show what the message's values hold beyond the English's)."""
    try:
        return sorted((name, spec, conversion or "") for _text, name, spec, conversion
                      in string.Formatter().parse(message) if name is not None)
    except ValueError:
        return None


def catalogue_files(language: str, domain: str = "adcourse") -> list[Path]:
    """Where the catalogue of `domain` in `language` may be (the first that exists is read)."""
    return [*([FOLDERS[0] / f"{language}.po"] if domain == "adcourse" else []),
            FOLDERS[1] / language / f"{domain}.po"]


def _table(language: str, domain: str) -> dict[str, str]:
    key = (language, domain)
    if key not in _tables:
        table = {}
        for path in catalogue_files(language, domain):
            try:
                entries = polib.pofile(str(path)) if path.is_file() else None
            except OSError:  # unreadable here: the messages stay English
                entries = None
            if entries is not None:
                table = {entry.msgid: entry.msgstr for entry in entries
                         if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
                         and _fields(entry.msgstr) == _fields(entry.msgid)}
                break
        _tables[key] = table
    return _tables[key]


def preload() -> None:
    """Read every catalogue now (a kernel's fork server does, before its sandbox closes
    the file system)."""
    for language in LANGUAGES[1:]:
        for domain in DOMAINS:
            _table(language, domain)


def gettext(message: str) -> str:
    """`message` in the current language (itself when it has no translation)."""
    current = language()
    if current == "en":
        return message
    for domain in DOMAINS:
        found = _table(current, domain).get(message)
        if found:
            return found
    return message


_ = gettext


def translated(message: str, language: str) -> str:
    """`message` in `language`, whatever the current language is."""
    token = _LANGUAGE.set(language)
    try:
        return gettext(message)
    finally:
        _LANGUAGE.reset(token)


def messages(language: str) -> list[str]:
    """Every message of the catalogues in `language` (of every domain): the English ones
    are the catalogues' sources (empty where no catalogue is installed)."""
    found = []
    for domain in DOMAINS:
        for other in LANGUAGES[1:]:
            table = _table(other, domain)
            found += list(table) if language == "en" else list(table.values()) if other == language else []
    return list(dict.fromkeys(found))


def N_(message: str) -> str:
    """Marks `message` for the catalogue; it is translated where it is shown."""
    return message


def language() -> str:
    return _LANGUAGE.get() or _language


def use(language: str, plots: bool = True) -> None:
    """Show the course's messages and (unless not `plots`) plots in `language` ("zh_CN", or "en")."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: the course's languages are "
                         f"{', '.join(LANGUAGES)}")
    _language = language
    _LANGUAGE.set(language)
    if language != "en" and plots:
        use_cjk_fonts()


def use_cjk_fonts() -> str | None:
    """Let matplotlib draw Chinese characters: a CJK font after DejaVu Sans, which draws
    Latin letters, digits and the minus sign (U+2212, which some CJK fonts lack, so
    `axes.unicode_minus` can stay on). Returns the font found, or None with a warning
    that says what to install."""
    import matplotlib
    from matplotlib import font_manager

    names = {font.name for font in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in names), None)
    if found is None:  # installed after matplotlib's font cache was made: add it now
        for path in font_manager.findSystemFonts():
            if any(mark in Path(path).name for mark in ("CJK", "wqy", "msyh", "PingFang", "simhei")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {font.name for font in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FONTS if name in names), None)
    if found is None:
        warnings.warn("no font with Chinese characters was found, so plots show boxes in place of "
                      "them: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk), then "
                      "restart the kernel (未找到中文字体：请安装 fonts-noto-cjk 后重启内核)",
                      stacklevel=3)
        return None
    # A list of families: matplotlib (3.6 and later) draws each character with the first
    # family that has it.
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", found]
    matplotlib.rcParams["axes.unicode_minus"] = True
    return found


# The kernel side's catalogues are read on import: a kernel forked from a server that
# imported this module has them before its sandbox closes the file system.
preload()
