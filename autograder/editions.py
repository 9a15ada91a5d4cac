"""The translated editions of the course: their catalogues, notebooks and chapter ids.

An edition of chapter "01_numerical" in zh_CN is the nbgrader assignment
"01_numerical_zh": its instructor notebook solutions/01_numerical_zh/ is written by
`autograder build` from the English one and the catalogues (`autograder.i18n`), and
nbgrader generates its student notebook course/01_numerical_zh/ as for every chapter.
It is graded by the same pipeline, with the same references, cases and hidden tests;
its feedback is in its language.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import polib

from . import catalogues, i18n
from .course import EDITIONS, CourseError, chapters, edition, notebook_name


def _catalogue(root: Path, language: str, name: str) -> polib.POFile:
    path = catalogues.catalogue_path(root, language, name)
    return polib.pofile(str(path), wrapwidth=0) if path.exists() else polib.POFile(wrapwidth=0)


def _source(root: Path, chapter: str):
    return nbformat.read(root / "solutions" / chapter / notebook_name(root, chapter), as_version=4)


def templates(root: Path, selected: list[str] | None = None) -> dict[str, polib.POFile]:
    """name -> catalogue template: one per chapter, and "shared" for the shared text."""
    names = [name for name in selected or chapters(root)
             if name != i18n.SHARED and name not in MESSAGE_DOMAINS]
    found = {chapter: i18n.template(_source(root, chapter)) for chapter in names}
    for domain in MESSAGE_DOMAINS:
        if not selected or domain in selected:
            found[domain] = message_template(root, domain)
    if selected and i18n.SHARED not in selected:
        return found
    shared, seen = polib.POFile(wrapwidth=0), set()
    for chapter in chapters(root):
        for entry in i18n.template(_source(root, chapter), shared=True):
            if entry.msgid not in seen:
                seen.add(entry.msgid)
                shared.append(entry)
    found[i18n.SHARED] = shared
    return found


#: The catalogues of the course's messages: domain -> the package whose code they come from.
MESSAGE_DOMAINS = {"adcourse": "adcourse", "autograder": "autograder"}
#: What marks a message in the code: `_("...")` and `N_("...")` (adcourse.i18n), and the
#: description of a `Mistake` (the first argument).
KEYWORDS = {"_": None, "N_": None, "Mistake": (1,)}


def message_template(root: Path, domain: str) -> polib.POFile:
    """The catalogue template of the messages marked in one package's code (Babel's extractor)."""
    from babel.messages.extract import extract_from_dir

    pot = polib.POFile(wrapwidth=0)
    pot.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    seen: dict[str, polib.POEntry] = {}
    found = extract_from_dir(str(root / MESSAGE_DOMAINS[domain]), method_map=[("**.py", "python")],
                             keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True)
    for filename, line, message, comments, _context in found:
        if not isinstance(message, str) or not message.strip():
            continue
        where = f"{MESSAGE_DOMAINS[domain]}/{filename}:{line}"
        if message in seen:
            seen[message].occurrences.append((where.rsplit(":", 1)[0], str(line)))
            continue
        entry = polib.POEntry(msgid=message, msgstr="", occurrences=[(where.rsplit(":", 1)[0], str(line))],
                              comment="message" + ("\n" + "\n".join(comments) if comments else ""))
        seen[message] = entry
        pot.append(entry)
    return pot


def update_catalogues(root: Path, language: str, selected: list[str] | None = None) -> list[Path]:
    written = []
    for name, pot in templates(root, selected).items():
        merged = catalogues.update(_catalogue(root, language, name), pot)
        merged.metadata = {**pot.metadata, "Project-Id-Version": name, "Language": language}
        path = catalogues.catalogue_path(root, language, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        merged.save(str(path))
        written.append(path)
    return written


def check_catalogues(root: Path, language: str, selected: list[str] | None = None) -> dict[str, list[str]]:
    """name -> what keeps that catalogue from being a complete, glossary-true translation."""
    terms = catalogues.glossary(root, language)
    found = {}
    for name, pot in templates(root, selected).items():
        po = _catalogue(root, language, name)
        found[name] = catalogues.problems(po, pot) + catalogues.glossary_problems(po, terms)
    return found


def catalogues_of(root: Path, language: str, chapter: str) -> tuple[polib.POFile, polib.POFile] | None:
    """The chapter's catalogue and the shared one, or None when the chapter has no edition
    in `language` (no catalogue file)."""
    if not catalogues.catalogue_path(root, language, chapter).is_file():
        return None
    return _catalogue(root, language, chapter), _catalogue(root, language, i18n.SHARED)


def _changed_code(source, translated) -> list[str]:
    """The code cells whose translation does not compile or is not the source's code."""
    english = {cell.id: cell.source for cell in source.cells if cell.cell_type == "code"}
    broken = []
    for cell in translated.cells:
        if cell.cell_type != "code" or cell.id not in english:
            continue
        try:
            compile(cell.source, cell.id, "exec")
            same = i18n.code_skeleton(cell.source) == i18n.code_skeleton(english[cell.id])
        except SyntaxError as error:
            broken.append(f"cell {cell.id} does not compile ({error.msg}, line {error.lineno})")
            continue
        if not same:
            broken.append(f"cell {cell.id}'s code differs from the English")
    return broken


def write_editions(root: Path, selected: list[str], write: bool = True,
                   refused: list[str] | None = None) -> list[str]:
    """Write the instructor notebook of every edition of the `selected` chapters (those
    with a catalogue) from the English one; return the editions' chapter ids (with
    `write=False`, the notebooks are only compared: those out of date).

    A catalogue that does not translate every string of its chapter, or whose
    translation would change code, raises CourseError; with a `refused` list, its
    edition is left as it was and the reason appended there instead (the English
    chapters are built all the same, and the build fails at its end)."""
    written, stale = [], []
    for chapter in selected:
        source = _source(root, chapter)
        for language in EDITIONS:
            found = catalogues_of(root, language, chapter)
            if found is None:
                continue
            po, shared = found
            name = edition(chapter, language)
            pot, shared_pot = i18n.template(source), i18n.template(source, shared=True)
            missing = catalogues.problems(po, pot) + [p for p in catalogues.problems(shared, shared_pot)
                                                if not p.startswith(("obsolete", "stale"))]
            if missing and refused is not None:
                refused.append(f"{name}: {len(missing)} strings of its "
                               f"catalogue are missing, untranslated or fuzzy ({missing[0]}); run "
                               f"`autograder translations update {chapter}` and translate them in "
                               f"{catalogues.catalogue_path(root, language, chapter).relative_to(root)}")
                continue
            if missing:
                listed = "\n  ".join(missing[:8]) + (f"\n  ... {len(missing) - 8} more" if len(missing) > 8 else "")
                raise CourseError(
                    f"the {language} catalogue of {chapter} is not complete, so its edition "
                    f"{name} cannot be built:\n  {listed}\nrun `autograder "
                    f"translations update {chapter}`, translate what it lists in "
                    f"{catalogues.catalogue_path(root, language, chapter).relative_to(root)}, and build again")
            translated = i18n.translate(source, language, po, shared)
            broken = _changed_code(source, translated)
            if broken and refused is not None:
                refused.append(f"{name}: its translation changes code: {'; '.join(broken[:3])}")
                continue
            if broken:
                raise CourseError(
                    f"the {language} catalogue of {chapter} changes code, so its edition {name} "
                    f"cannot be built: {'; '.join(broken[:5])}. A translation of a printed or "
                    "plotted string keeps each {field} of an f-string as it is, and neither its "
                    "quote character nor a lone backslash")
            text = nbformat.writes(translated)
            text += "" if text.endswith("\n") else "\n"
            path = root / "solutions" / name / notebook_name(root, chapter)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
                if write:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
            written.append(name)
    return written if write else stale
