"""Feedback in the student's language: the messages of the checks, and the plots' text.

`adcourse.i18n.use("zh_CN")` (the first cell of a Chinese edition) turns the course's
messages into Chinese, from the catalogues the tests of test_catalogues.py hold complete;
a message without a translation stays English, and the English edition never changes.
"""
from __future__ import annotations

import re
import warnings

import matplotlib
import polib
import numpy as np
import pytest

from adcourse import i18n
from adcourse.checking import CheckFailure, check_close
from adcourse.diagnostics import Mistake
from autograder.checking import Case, compare

matplotlib.use("Agg")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    i18n.use("zh_CN", plots=False)
    yield i18n.gettext
    i18n.use("en", plots=False)


def _failure(call) -> str:
    with pytest.raises(CheckFailure) as failed:
        call()
    return str(failed.value)


def test_a_visible_test_says_in_chinese_that_the_sign_is_flipped(chinese):
    message = _failure(lambda: check_close(-np.cos(1.0), np.cos(1.0), "exact", "derivative(np.sin, 1.0)"))
    assert "derivative(np.sin, 1.0)" in message
    for english in ("the sign is flipped", "likely mistake: {hint}", "expected: {value}"):
        translated = chinese(english)
        assert translated != english and CJK.search(translated), english
        assert translated.split("{")[0] in message
    assert "likely mistake" not in message and "expected" not in message


def test_the_english_messages_are_unchanged_outside_an_edition():
    message = _failure(lambda: check_close(-np.cos(1.0), np.cos(1.0), "exact", "derivative(np.sin, 1.0)"))
    assert "likely mistake: the sign is flipped" in message and not CJK.search(message)


def test_a_hidden_test_names_the_failing_cases_and_the_mistake_in_chinese(chinese):
    def flipped(f, x, h=1e-6):
        return -(f(x + h) - f(x)) / h

    cases = [Case((np.sin, 1.0)), Case((np.exp, 0.5))]
    message = _failure(lambda: compare(flipped, "numerical.forward_difference", cases, policy="first_order"))
    assert chinese("{failed} of {total} test cases of `{name}` failed.").format(
        failed=2, total=2, name="forward_difference") in message
    assert chinese("the sign is flipped") in message and "failed" not in message


def test_each_grading_job_keeps_its_own_language_beside_another_in_a_thread():
    """A Dask worker runs grading jobs in threads of one process: each job's language is
    its context's, whatever another job set meanwhile."""
    import threading

    said, chosen, ready = {}, threading.Event(), threading.Barrier(2)

    def job(language):
        if language == "en":
            chosen.wait()  # the Chinese job chose first: the process's language is the last one
        i18n.use(language, plots=False)
        chosen.set()
        ready.wait()
        said[language] = i18n.gettext("the sign is flipped")

    threads = [threading.Thread(target=job, args=(language,)) for language in ("zh_CN", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    i18n.use("en", plots=False)
    assert said["en"] == "the sign is flipped" and CJK.search(said["zh_CN"])


def test_a_mistake_with_fields_is_translated_before_they_are_filled_in(chinese):
    mistake = Mistake("the chain rule is missing: {name}(a + a'd) has tangent {name}'(a) times a'", abs,
                      {"name": "sin"})
    said = mistake.said()
    assert CJK.search(said) and "sin(a + a'd)" in said and "{name}" not in said


def test_an_untranslated_message_is_shown_in_english(chinese):
    assert chinese("a message no catalogue has") == "a message no catalogue has"


def test_only_the_course_languages_can_be_chosen():
    with pytest.raises(ValueError, match="zh_CN"):
        i18n.use("klingon")


def test_a_plot_with_chinese_text_and_negative_numbers_draws_every_character():
    """The font the install provides (Debian's fonts-noto-cjk) draws the Chinese text;
    DejaVu Sans, first, draws the minus signs of the ticks (unicode_minus stays on)."""
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    try:
        found = i18n.use_cjk_fonts()
        assert found, "no CJK font: install fonts-noto-cjk (.ci/run does)"
        fig, ax = plt.subplots()
        ax.plot([-2, -1, 0, 1], [-1, 0, 1, 0], label="切向量")
        ax.set_title("前向差分的误差：截断误差与舍入误差")
        ax.set_xlabel("步长 h")
        ax.legend()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        plt.close(fig)
        missing = [str(w.message) for w in caught if "missing from" in str(w.message).lower()
                   or "glyph" in str(w.message).lower()]
        assert not missing, missing
        assert matplotlib.rcParams["axes.unicode_minus"]
    finally:
        matplotlib.rcParams.update(before)


def test_a_translation_that_changes_a_messages_fields_is_not_used(tmp_path, monkeypatch):
    """A translated message whose {fields} differ from the English one's would show
    more of its values than the English does ({error.__class__.__init__.__globals__}):
    it is left out, and the message is shown in English."""
    catalogue = tmp_path / "zh_CN" / "adcourse.po"
    catalogue.parent.mkdir()
    po = polib.POFile()
    po.append(polib.POEntry(msgid="{name} raised {error}", msgstr="{name} 引发了 {error.__class__}"))
    po.append(polib.POEntry(msgid="{count} cases", msgstr="{count} 个测试用例"))
    po.save(str(catalogue))
    monkeypatch.setattr(i18n, "FOLDERS", [tmp_path / "none", tmp_path])
    monkeypatch.setattr(i18n, "_tables", {})
    token = i18n._LANGUAGE.set("zh_CN")
    try:
        assert i18n.gettext("{name} raised {error}") == "{name} raised {error}"
        assert i18n.gettext("{count} cases") == "{count} 个测试用例"
    finally:
        i18n._LANGUAGE.reset(token)
