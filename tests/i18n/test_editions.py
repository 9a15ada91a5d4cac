"""The translated editions are generated, fresh, and the same course as the English one.

An edition's instructor notebook (solutions/<chapter>_zh/) is written by `autograder build`
from the English one and the catalogues; nbgrader generates its student notebook
(tests/test_repository.py holds course/ to what the build writes now). Between the two
editions only the text a reader reads may differ: every cell keeps its id, type and
nbgrader metadata (grade_id, points), every code cell its code (comments, docstrings and
plot labels aside), every solution and hidden-test region its every byte; the edition
adds one locked cell, which sets the language of the messages.
"""
from __future__ import annotations

import ast
import shutil

import nbformat
import polib
import pytest
from hypothesis import given, settings, strategies as st

from autograder import i18n
from autograder.course import EDITIONS, CourseError, base_chapter, chapters, edition, notebook_name
from autograder.editions import write_editions

from ..conftest import ROOT

EDITION_CHAPTERS = [c for c in chapters(ROOT, editions=True) if base_chapter(c)[1]]


def _read(chapter):
    return nbformat.read(ROOT / "solutions" / chapter / notebook_name(ROOT, chapter), as_version=4)


def test_every_chapter_has_its_editions():
    expected = {edition(chapter, language) for chapter in chapters(ROOT) for language in EDITIONS}
    assert set(EDITION_CHAPTERS) == expected


def test_the_editions_notebooks_are_what_the_build_writes_now():
    stale = write_editions(ROOT, chapters(ROOT), write=False)
    assert not stale, f"run `autograder build`: editions out of date: {stale}"


def _regions(source: str) -> list[str]:
    lines = source.split("\n")
    return [lines[n - 1] for n in sorted(i18n._fixed_lines(source))]


@pytest.mark.parametrize("edition", EDITION_CHAPTERS)
def test_an_edition_differs_from_its_source_only_in_the_text_a_reader_reads(edition):
    chapter, language = base_chapter(edition)
    source, translated = _read(chapter), _read(edition)
    added = [cell for cell in translated.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == i18n.LANGUAGE_CELL]
    assert len(added) == 1 and added[0].cell_type == "code"
    assert ast.dump(ast.parse(added[0].source)) == ast.dump(ast.parse(f'import adcourse.i18n\nadcourse.i18n.use("{language}")'))
    cells = [cell for cell in translated.cells if cell is not added[0]]
    assert translated.cells.index(added[0]) == next(i for i, c in enumerate(source.cells) if c.cell_type == "code")
    assert [(c.cell_type, c.id, c.metadata) for c in cells] == [(c.cell_type, c.id, c.metadata) for c in source.cells]
    assert i18n.notebook_language(translated) == language and "language" not in translated.metadata
    changed_markdown = 0
    for mine, theirs in zip(cells, source.cells):
        if mine.cell_type == "code":
            assert i18n.code_skeleton(mine.source) == i18n.code_skeleton(theirs.source), mine.id
            assert _regions(mine.source) == _regions(theirs.source), mine.id
            compile(mine.source, mine.id, "exec")
        else:
            changed_markdown += mine.source != theirs.source
    assert changed_markdown == sum(c.cell_type == "markdown" for c in source.cells)


def _scratch_catalogue(root):
    """A course at `root` with chapter 01 and the catalogues; its chapter's catalogue."""
    shutil.copytree(ROOT / "solutions" / "01_numerical", root / "solutions" / "01_numerical")
    shutil.copytree(ROOT / "translations", root / "translations")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    path = root / "translations" / "zh_CN" / "01_numerical.po"
    return path, polib.pofile(str(path), wrapwidth=0)


def test_a_catalogue_that_lacks_a_translation_stops_the_build_and_says_where(tmp_path):
    path, po = _scratch_catalogue(tmp_path)
    po[3].msgstr = ""
    po.save(str(path))
    with pytest.raises(CourseError, match=r"(?s)not complete.*untranslated.*translations/zh_CN/01_numerical\.po"):
        write_editions(tmp_path, ["01_numerical"])
    assert not (tmp_path / "solutions" / "01_numerical_zh").exists()


# --- the splitting of cells into strings --------------------------------------------------------
_LINES = st.sampled_from(["", "", "text", "  indented", "$$", "$$x$$", "```", "~~~", "* item", "# Heading",
                          "$a$ and `b`", "   ", "\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=14), st.booleans())
def test_a_markdown_cell_is_its_blocks_and_the_text_between_them(lines, newline):
    source = "\n".join(lines) + ("\n" if newline else "")
    assert i18n.translate_markdown(source, lambda text: text) == source
    blocks = i18n.markdown_blocks(source)
    assert all(block.strip() for block in blocks)
    marked = i18n.translate_markdown(source, lambda text: f"<{text}>")
    assert marked.count("<") >= len(blocks)


@pytest.mark.parametrize("path", sorted(ROOT.glob("solutions/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_the_cells_of_every_notebook_come_back_unchanged_when_nothing_is_translated(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            assert i18n.translate_markdown(cell.source, lambda text: text) == cell.source
        elif cell.cell_type == "code":
            assert i18n.translate_code(cell.source, lambda text: text) == cell.source


def test_comments_docstrings_labels_and_printed_text_are_translated_and_the_regions_are_not():
    source = '''def f(x):
    """Return x.

    Line two."""
    # BEGIN SOLUTION
    return x  # the answer
    # END SOLUTION


# Plot it,
# twice.
plt.title("Values")
ax.plot(x, label='a "quoted" word')
print("not a label")  # shown
print(f"{n:>3} steps\\n")
'''.replace("# BEGIN SOLUTION", "### BEGIN SOLUTION").replace("# END SOLUTION", "### END SOLUTION")
    table = {"Return x.\n\n    Line two.": "返回 x。\n\n    第二行。", "Plot it,\ntwice.": "画出来，\n画两次。",
             "Values": "数值", 'a "quoted" word': "带“引号”的词", "shown": "显示", "not a label": "不是标签",
             "{n:>3} steps\\n": "{n:>3} 步\\n"}
    units = {unit.text: unit.kind for unit in i18n.code_units(source)}
    assert units == {"Return x.\n\n    Line two.": "docstring", "Plot it,\ntwice.": "comment",
                     "Values": "label", 'a "quoted" word': "label", "shown": "comment",
                     "not a label": "print", "{n:>3} steps\\n": "print"}
    out = i18n.translate_code(source, table.__getitem__)
    assert '"""返回 x。\n\n    第二行。"""' in out
    assert "# 画出来，\n# 画两次。\n" in out
    assert 'plt.title("数值")' in out and "label='带“引号”的词'" in out
    assert "return x  # the answer" in out and 'print("不是标签")  # 显示' in out
    assert 'print(f"{n:>3} 步\\n")' in out
    assert i18n.code_skeleton(out) == i18n.code_skeleton(source)
    changed = out.replace("{n:>3} 步", "{n + 1:>3} 步")  # a field of an f-string is code
    assert i18n.code_skeleton(changed) != i18n.code_skeleton(source)


def test_a_translation_that_changes_the_code_stops_the_build(tmp_path):
    path, po = _scratch_catalogue(tmp_path)
    printed = next(entry for entry in po if entry.comment.startswith("print") and "{" in entry.msgid)
    printed.msgstr = printed.msgstr.replace("{", "{1 + ", 1)  # a field of an f-string changed
    po.save(str(path))
    with pytest.raises(CourseError, match="changes code"):
        write_editions(tmp_path, ["01_numerical"])


def test_an_english_change_not_yet_translated_builds_the_english_chapter_and_fails_the_build(tmp_path):
    """A fix of the English is not held up by its translation: the English chapter is
    built, its edition is left as it was, and the build says which edition and why (the
    catalogue tests fail until a translator brings it up to date)."""
    from autograder.build import build

    from ..conftest import copy_course

    root = copy_course(tmp_path, editions=True)
    path = root / "solutions" / "01_numerical" / "numerical.ipynb"
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    first.source += "\n\nA sentence no catalogue has yet."
    nbformat.write(nb, path)
    edition = (root / "solutions" / "01_numerical_zh" / "numerical.ipynb").read_bytes()
    with pytest.raises(CourseError, match=r"(?s)English chapters were built.*01_numerical_zh: 1 strings"):
        build(root, ["01_numerical"], quiet=True)
    assert "A sentence no catalogue has yet." in (root / "course" / "01_numerical" / "numerical.ipynb").read_text()
    assert (root / "solutions" / "01_numerical_zh" / "numerical.ipynb").read_bytes() == edition
