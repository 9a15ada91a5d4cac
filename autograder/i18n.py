"""Translated editions of the chapters: gettext catalogues of the notebooks' text.

The English instructor notebooks are the one source. What a reader reads in them is
extracted into one gettext catalogue per chapter and language
(`translations/<language>/<chapter>.po`, the text shared by every chapter in
`translations/<language>/shared.po`):

* each block of a markdown cell (a paragraph, a list item, a heading, a display
  formula, a fenced block), so that a changed paragraph invalidates one entry, not a cell;
* in code cells, each comment (consecutive comment lines at one indentation are one
  entry), each docstring, and each string literal a plot or widget shows
  (`LABEL_CALLS`, `LABEL_KEYWORDS`), but nothing inside a solution or a hidden-test
  region (the reference and the hidden tests are the same code in every edition).

`template` is a notebook's catalogue template; `translate` writes an edition's notebook
from the source and its catalogues: code differs from the source only in those
comments, docstrings and texts (`code_skeleton` is equal in both), and an edition's
notebook starts with a cell that sets the language of the course's messages
(`adcourse.i18n`). How catalogues are merged and checked is `autograder.catalogues`.
"""
from __future__ import annotations

import ast
import copy
import io
import re
import tokenize
from dataclasses import dataclass

import nbformat
import polib

from .course import EDITIONS as LANGUAGES  # language -> the suffix of its editions' chapter ids
from .notebook import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END

#: Calls whose first argument, a plain string, is text a reader sees in a plot or widget.
LABEL_CALLS = {"title", "set_title", "suptitle", "xlabel", "ylabel", "set_xlabel", "set_ylabel",
               "text", "annotate", "Label", "HTML"}
#: Keyword arguments whose plain-string value a reader sees.
LABEL_KEYWORDS = {"label", "description", "title", "xlabel", "ylabel", "placeholder"}
#: The grade_id of the cell an edition starts with (it sets the language of the messages).
LANGUAGE_CELL = "course_language"
SHARED = "shared"


@dataclass(frozen=True)
class Unit:
    """One translatable string of a cell, where it is and what kind it is."""

    text: str
    kind: str  # "markdown", "comment", "docstring", "label" or "print"
    start: tuple[int, int] = (0, 0)  # code: (line, column) of the replaced span, lines from 1
    end: tuple[int, int] = (0, 0)
    indent: str = ""  # a comment's indentation; a literal's prefix and opening quote


# --- markdown -----------------------------------------------------------------------------------
def _markdown_parts(source: str) -> tuple[list[str], list[str]]:
    """The blocks of a markdown cell and the text around and between them (one more
    separator than blocks): blocks are runs of lines separated by blank lines, a fenced
    code block or a $$ display formula kept whole even when it holds blank lines."""
    spans, begin, fence, offset = [], None, None, 0
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if fence is None and not stripped:
            if begin is not None:
                spans.append((begin, offset))
                begin = None
        else:
            if begin is None:
                begin = offset
            if fence is None:
                if stripped.startswith(("```", "~~~")):
                    fence = stripped[:3]
                elif stripped.startswith("$$") and not (len(stripped) > 2 and stripped.endswith("$$")):
                    fence = "$$"
            elif stripped.startswith(fence) or (fence == "$$" and stripped.endswith("$$")):
                fence = None
        offset += len(line)
    if begin is not None:
        spans.append((begin, offset))
    # A block ends before the line break that ends its last line.
    spans = [(start, end - 1 if source[start:end].endswith("\n") else end) for start, end in spans]
    edges = [0, *[edge for span in spans for edge in span], len(source)]
    separators = [source[edges[i]:edges[i + 1]] for i in range(0, len(edges), 2)]
    return [source[start:end] for start, end in spans], separators


def markdown_blocks(source: str) -> list[str]:
    """The translatable blocks of a markdown cell (see `_markdown_parts`)."""
    return _markdown_parts(source)[0]


def translate_markdown(source: str, lookup) -> str:
    blocks, separators = _markdown_parts(source)
    return separators[0] + "".join(lookup(block) + gap for block, gap in zip(blocks, separators[1:]))


# --- code ---------------------------------------------------------------------------------------
def _fixed_lines(source: str) -> set[int]:
    """Lines (from 1) inside a solution or a hidden-test region, markers included."""
    fixed, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if SOLUTION_BEGIN in line or HIDDEN_BEGIN in line:
            inside = True
        if inside:
            fixed.add(number)
        if SOLUTION_END in line or HIDDEN_END in line:
            inside = False
    return fixed


def _docstring_nodes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                yield body[0].value


def _label_nodes(tree: ast.AST):
    """(node, kind) of each string a reader sees: "label" for a plot's or a widget's text,
    "print" for what `print` shows."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name == "print":
            yield from ((arg, "print") for arg in node.args if _text_node(arg))
            continue
        shown = 2 if name == "text" else 0  # ax.text(x, y, s)
        if name in LABEL_CALLS and len(node.args) > shown and _text_node(node.args[shown]):
            yield node.args[shown], "label"
        for keyword in node.keywords:
            if keyword.arg in LABEL_KEYWORDS and _text_node(keyword.value):
                yield keyword.value, "label"


def _text_node(node) -> bool:
    """A string with words in it: a constant, or an f-string (whose fields stay as they are)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(ch.isalpha() for ch in node.value)
    return isinstance(node, ast.JoinedStr) and any(
        isinstance(part, ast.Constant) and any(ch.isalpha() for ch in part.value) for part in node.values)


_ONE_STRING = re.compile(r"""^([fFrRuU]{0,2})(["'])(.*)\2$""", re.S)


def _literal_inside(segment: str | None) -> tuple[str, str, str] | None:
    """(prefix, quote, text as written) of a string written as one literal on one line, or
    None (a triple-quoted, multi-line or implicitly concatenated one: a constant is then
    replaced as a whole, an f-string left as it is)."""
    found = _ONE_STRING.match(segment or "")
    if not found or "\n" in segment or found.group(2) in found.group(3):
        return None
    return found.group(1), found.group(2), found.group(3)


def _pieces(segment: str | None, start: tuple[int, int]) -> list[tuple[str, tuple, tuple, str]]:
    """(text, start, end, prefix and quote) of each literal with words in it of a string
    written as several literals side by side (`f"..." f"..."` over lines), or []."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(f"({segment})").readline))
    except (tokenize.TokenError, SyntaxError, TypeError):
        return []
    strings = [token for token in tokens if token.type == tokenize.STRING]
    found = []
    for token in strings:
        inside = _literal_inside(token.string)
        if inside is None:
            return []  # a triple-quoted or multi-line piece: the string is left as it is
        if not any(ch.isalpha() for ch in inside[2]):
            continue

        def where(row: int, column: int) -> tuple[int, int]:
            return (start[0] + row - 1, start[1] + column - 1 if row == 1 else column)

        found.append((inside[2], where(*token.start), where(*token.end), inside[0] + inside[1]))
    return found if len(strings) > 1 else []


def _column(lines: list[str], line: int, byte: int) -> int:
    """The character column of an AST node's UTF-8 byte offset."""
    return len(lines[line - 1].encode("utf-8")[:byte].decode("utf-8", errors="replace"))


def code_units(source: str) -> list[Unit]:
    """The translatable strings of a code cell, in the order they appear."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    fixed, lines = _fixed_lines(source), source.split("\n")
    units = []
    for node, kind in [*((node, "docstring") for node in _docstring_nodes(tree)), *_label_nodes(tree)]:
        if node.lineno in fixed:
            continue
        start = (node.lineno, _column(lines, node.lineno, node.col_offset))
        end = (node.end_lineno, _column(lines, node.end_lineno, node.end_col_offset))
        segment = ast.get_source_segment(source, node)
        inside = None if kind == "docstring" else _literal_inside(segment)
        if inside is not None:  # its text as written (escapes too), between its quotes
            units.append(Unit(inside[2], kind, start, end, indent=inside[0] + inside[1]))
        elif kind != "docstring" and (pieces := _pieces(segment, start)):
            units += [Unit(text, kind, begin, finish, indent=opening) for text, begin, finish, opening in pieces]
        elif isinstance(node, ast.Constant):
            units.append(Unit(node.value, kind, start, end))
    run: list[tokenize.TokenInfo] = []

    def close():
        if run:
            text = "\n".join(_comment_text(token.string) for token in run)
            if text.strip():
                units.append(Unit(text, "comment", run[0].start, run[-1].end,
                                  indent=lines[run[0].start[0] - 1][:run[0].start[1]]))
            run.clear()

    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for index, token in enumerate(tokens):
        if token.type != tokenize.COMMENT or token.start[0] in fixed:
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                close()
            continue
        alone = not lines[token.start[0] - 1][:token.start[1]].strip()
        previous = run[-1] if run else None
        if previous and alone and previous.start[0] == token.start[0] - 1 and previous.start[1] == token.start[1] \
                and not lines[previous.start[0] - 1][:previous.start[1]].strip():
            run.append(token)
            continue
        close()
        run.append(token)
        if not alone:
            close()
    close()
    return sorted(units, key=lambda unit: unit.start)


def _comment_text(comment: str) -> str:
    return comment[1:].removeprefix(" ") if comment.startswith("#") else comment


def _offsets(source: str) -> list[int]:
    starts, total = [], 0
    for line in source.split("\n"):
        starts.append(total)
        total += len(line) + 1
    return starts


def translate_code(source: str, lookup) -> str:
    """`source` with its comments, docstrings and labels replaced by their translations."""
    starts = _offsets(source)
    pieces, last = [], 0
    for unit in code_units(source):
        begin = starts[unit.start[0] - 1] + unit.start[1]
        end = starts[unit.end[0] - 1] + unit.end[1]
        translated = lookup(unit.text)
        if unit.kind == "comment":
            lines = translated.split("\n")
            text = ("\n" + unit.indent).join(f"# {line}".rstrip() for line in lines)
        elif unit.kind == "docstring":
            original = source[begin:end]
            quote = '"""' if original.startswith('"""') else "'''" if original.startswith("'''") else None
            text = f'{quote}{translated}{quote}' if quote and quote not in translated \
                and not translated.endswith(quote[0]) else repr(translated)
        elif unit.indent:  # a literal: its prefix and quote are kept, the text is as written
            text = f"{unit.indent}{translated}{unit.indent[-1]}"
        else:
            text = _quoted(source[begin:end], translated)
        pieces.append(source[last:begin] + text)
        last = end
    return "".join(pieces) + source[last:]


def _quoted(literal: str, text: str) -> str:
    """`text` as a string literal in the quotes of `literal` where it can be."""
    quote = literal[0] if literal[:1] in "'\"" else None
    if quote and literal[:3] != quote * 3 and quote not in text and "\\" not in text \
            and text.isprintable():
        return f"{quote}{text}{quote}"
    return repr(text)


def code_skeleton(source: str) -> str:
    """The code of a cell with its translatable strings emptied: equal in every edition."""
    tree = ast.parse(source)
    for node, _kind in [*((node, "docstring") for node in _docstring_nodes(tree)), *_label_nodes(tree)]:
        if isinstance(node, ast.JoinedStr):  # its fields are code (a translation may reorder them)
            node.values = sorted((part for part in node.values if isinstance(part, ast.FormattedValue)),
                                 key=ast.dump)
        else:
            node.value = ""
    return ast.dump(tree)


# --- notebooks and catalogues -------------------------------------------------------------------
def cell_units(cell) -> list[Unit]:
    if cell.cell_type == "markdown":
        return [Unit(block, "markdown") for block in markdown_blocks(cell.source)]
    if cell.cell_type == "code":
        return code_units(cell.source)
    return []


def is_shared(cell) -> bool:
    return bool(cell.metadata.get("adcourse", {}).get("shared"))


def template(nb, shared: bool = False) -> polib.POFile:
    """The catalogue template of a notebook: its own text, or (`shared`) the text of its
    cells shared by every chapter."""
    pot = polib.POFile(wrapwidth=0)
    pot.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    seen: dict[str, polib.POEntry] = {}
    for number, cell in enumerate(nb.cells):
        if is_shared(cell) != shared:
            continue
        for unit in cell_units(cell):
            where = cell.metadata.get("adcourse", {}).get("shared") if shared else f"cell {number}"
            if unit.text in seen:
                if where not in seen[unit.text].comment:
                    seen[unit.text].comment += f", {where}"
                continue
            entry = polib.POEntry(msgid=unit.text, msgstr="", comment=f"{unit.kind}: {where}")
            seen[unit.text] = entry
            pot.append(entry)
    return pot


def translate(nb, language: str, po: polib.POFile, shared: polib.POFile):
    """The edition of notebook `nb` in `language`: a new notebook."""
    table = {entry.msgid: entry.msgstr for catalogue in (shared, po) for entry in catalogue
             if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags}

    def lookup(text: str) -> str:
        if text not in table:
            raise KeyError(f"no translation of {text[:80]!r}")
        return table[text]

    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = translate_markdown(cell.source, lookup)
        elif cell.cell_type == "code":
            cell.source = translate_code(cell.source, lookup)
    first_code = next(i for i, cell in enumerate(out.cells) if cell.cell_type == "code")
    setting = nbformat.v4.new_code_cell(
        f'import adcourse.i18n\nadcourse.i18n.use("{language}")',
        metadata={"nbgrader": {"grade": False, "grade_id": LANGUAGE_CELL, "locked": True,
                               "schema_version": 3, "solution": False, "task": False}})
    setting.id = LANGUAGE_CELL.replace("_", "-")
    out.cells.insert(first_code, setting)
    out.metadata.setdefault("adcourse", {})["language"] = language
    return out


def notebook_language(nb) -> str | None:
    """The language of an edition's notebook (`translate` writes it in the notebook's
    metadata, under "adcourse": nbconvert reads a top-level "language" as the programming
    language), or None."""
    found = nb.get("metadata", {}).get("adcourse", {})
    language = found.get("language") if isinstance(found, dict) else None
    return language if isinstance(language, str) and language in LANGUAGES else None
