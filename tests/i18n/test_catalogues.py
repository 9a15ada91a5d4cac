"""The catalogues of the translated editions are complete, current and true to the glossary.

One catalogue per chapter and language (translations/<language>/<chapter>.po), one for
the text every chapter shares, and one per package for the course's messages. Each must
translate every string its source has now: no string missing or untranslated, none
marked fuzzy (its English changed since it was translated), none obsolete or stale (no
longer in the source), no formula, code span or number lost, no {field} of a message
changed, and every term of the glossary translated as the glossary says.
"""
from __future__ import annotations

import polib
import pytest

from autograder import catalogues
from autograder.course import EDITIONS
from autograder.editions import check_catalogues, templates

from ..conftest import ROOT

NAMES = sorted(templates(ROOT))


@pytest.mark.parametrize("language", EDITIONS)
@pytest.mark.parametrize("name", NAMES)
def test_the_catalogue_translates_every_string_of_its_source_as_it_is_now(name, language):
    found = check_catalogues(ROOT, language, [name])[name]
    assert not found, (f"translations/{language}/{name}.po ({len(found)} problems; run `autograder "
                       f"translations update {name}`, then translate):\n" + "\n".join(found[:40]))


@pytest.mark.parametrize("language", EDITIONS)
def test_every_catalogue_file_belongs_to_a_source(language):
    files = {path.stem for path in (ROOT / "translations" / language).glob("*.po")}
    assert files == set(NAMES), f"catalogues without a source: {files - set(NAMES)}; missing: {set(NAMES) - files}"


def _entry(msgid, msgstr="", comment="markdown: cell 0", flags=()):
    return polib.POEntry(msgid=msgid, msgstr=msgstr, comment=comment, flags=list(flags))


def _catalogue(*entries):
    po = polib.POFile(wrapwidth=0)
    for entry in entries:
        po.append(entry)
    return po


def test_update_keeps_translations_marks_changed_strings_fuzzy_and_keeps_removed_ones_obsolete():
    po = _catalogue(_entry("The forward difference.", "前向差分。"),
                    _entry("The central difference is second order.", "中心差分是二阶的。"),
                    _entry("Gone.", "已删除。"))
    pot = _catalogue(_entry("The forward difference."),
                     _entry("The central difference is of second order."),
                     _entry("A new paragraph."))
    merged = catalogues.update(po, pot)
    by_id = {entry.msgid: entry for entry in merged}
    assert by_id["The forward difference."].msgstr == "前向差分。"
    changed = by_id["The central difference is of second order."]
    assert changed.msgstr == "中心差分是二阶的。" and "fuzzy" in changed.flags
    assert changed.previous_msgid == "The central difference is second order."
    assert by_id["A new paragraph."].msgstr == ""
    assert by_id["Gone."].obsolete
    found = catalogues.problems(merged, pot)
    assert any(p.startswith("fuzzy") and "second order" in p for p in found)
    assert any(p.startswith("untranslated") and "new paragraph" in p for p in found)
    assert any(p.startswith("obsolete") and "Gone" in p for p in found)
    assert len(found) == 3


def test_a_missing_entry_and_a_lost_formula_code_span_or_number_are_problems():
    pot = _catalogue(_entry("Take $h = 10^{-8}$ and call `f(x)` 3 times."), _entry("Only here."))
    po = _catalogue(_entry("Take $h = 10^{-8}$ and call `f(x)` 3 times.", "取 $h = 10^{-7}$，调用 f(x) 两次。"))
    found = catalogues.problems(po, pot)
    assert "missing: 'Only here.'" in found
    lost = " ".join(found)
    assert "formula $h = 10^{-8}$" in lost and "code `f(x)`" in lost and "number 3" in lost
    right = _catalogue(_entry("Take $h = 10^{-8}$ and call `f(x)` 3 times.", "取 $h = 10^{-8}$，调用 `f(x)` 3 次。"),
                       _entry("Only here.", "仅此处。"))
    assert catalogues.problems(right, pot) == []


def test_a_message_whose_translation_changes_its_fields_is_a_problem():
    pot = _catalogue(_entry("{name} raised {error}", comment="message"))
    wrong = _catalogue(_entry("{name} raised {error}", "{名字} 引发了 {error}", comment="message"))
    assert any("fields" in p for p in catalogues.problems(wrong, pot))
    right = _catalogue(_entry("{name} raised {error}", "{name} 引发了 {error}", comment="message"))
    assert catalogues.problems(right, pot) == []


def test_a_translation_that_does_not_use_the_glossary_term_is_a_problem():
    terms = [catalogues.Term("dual numbers?", "对偶数"), catalogues.Term("(?<!co)tangents?(?! line)", "切向量")]
    po = _catalogue(_entry("A dual number carries a tangent.", "二元数携带一个切向量。"),
                    _entry("The tangent line of `dual_number`.", "`dual_number` 的切线。"))
    found = catalogues.glossary_problems(po, terms)
    assert len(found) == 1 and "对偶数" in found[0]  # a term in code, or a listed exception, is not one


@pytest.mark.parametrize("language", EDITIONS)
def test_the_glossary_defines_each_term_once_and_every_term_is_used(language):
    terms = catalogues.glossary(ROOT, language)
    assert len({t.english for t in terms}) == len(terms)
    sources = [entry.msgid for pot in templates(ROOT).values() for entry in pot]
    unused = [t.english for t in terms if not any(t.pattern.search(catalogues.prose(text)) for text in sources)]
    assert not unused, f"glossary terms that no source string uses (remove them): {unused}"
