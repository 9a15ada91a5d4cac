"""The chapter page of `autograder report`: self-contained, and nothing a submission chose
becomes markup in the instructor's browser (a student id, a mistake named from a feedback
message, an exercise's name in a tampered gradebook)."""
from __future__ import annotations

from html.parser import HTMLParser

from autograder import chapter_page
from autograder.items import analyse
from autograder.report import item_table, write_csv, write_items_csv
from autograder.scores import StudentScores

HOSTILE = "<img src=x onerror=alert(1)></td><script>alert(2)</script>"


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_data(self, data):
        self.text.append(data)


def page(tmp_path, names=("a", "b"), students=None, mistakes=None, similarity=""):
    names = list(names)
    maximum = {n: 1.0 for n in names}
    students = students or [f"s{i}" for i in range(6)] + [HOSTILE]
    rows = [StudentScores(s, None, {n: float((i + j) % 2) for j, n in enumerate(names)})
            for i, s in enumerate(students)]
    items = analyse(names, maximum, rows, mistakes or {HOSTILE: {names[0]: [HOSTILE]}})
    path = tmp_path / "index.html"
    chapter_page.write(path, "01_numerical", names, maximum, rows, items,
                       {"a plot": b"\x89PNG\r\n\x1a\n"}, similarity)
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser, path.read_text(encoding="utf-8")


def test_what_a_submission_chose_is_text_on_the_page(tmp_path):
    parsed, text = page(tmp_path)
    assert "script" not in parsed.tags
    assert not [a for a in parsed.attributes if a[1].startswith("on")]
    assert [a for a in parsed.attributes if a[0] == "img"] == [
        ("img", "alt", "a plot"), ("img", "src", "data:image/png;base64,iVBORw0KGgo=")]
    shown = "".join(parsed.text)
    assert shown.count(HOSTILE) >= 2  # the student's id (scores, mistakes) and its mistake, as text


def test_a_hostile_exercise_name_from_a_tampered_gradebook_is_text_too(tmp_path):
    parsed, _ = page(tmp_path, names=(HOSTILE, "b"), mistakes={"s1": {HOSTILE: ["x"]}})
    assert "script" not in parsed.tags and HOSTILE in "".join(parsed.text)


def test_the_page_loads_nothing_and_runs_nothing(tmp_path):
    parsed, text = page(tmp_path)
    policy = [v for t, n, v in parsed.attributes if t == "meta" and n == "content"]
    assert policy == ["default-src 'none'; img-src data:; style-src 'unsafe-inline'"]
    assert not [v for t, n, v in parsed.attributes if n in ("src", "href") and not v.startswith("data:")]


def test_the_mistakes_say_how_many_students_made_each(tmp_path):
    mistakes = {f"s{i}": {"a": ["the sign is flipped"]} for i in (0, 2, 4)}  # scored 0 on a
    parsed, text = page(tmp_path, mistakes=mistakes)
    shown = "".join(parsed.text)
    assert "3 students: the sign is flipped" in shown
    assert "</summary>" + " ".join(f"<bdi class='student'>s{i}</bdi>" for i in (0, 2, 4)) + "</details>" in text


def test_a_chapter_without_submissions_says_so(tmp_path):
    path = tmp_path / "index.html"
    items = analyse(["a"], {"a": 1.0}, [])
    chapter_page.write(path, "01_numerical", ["a"], {"a": 1.0}, [], items, {})
    assert "no submissions" in path.read_text(encoding="utf-8")
    assert "no submissions" in item_table(items)


def test_no_cell_of_the_csv_files_is_a_formula_in_a_spreadsheet(tmp_path):
    import csv

    formula = '=HYPERLINK("http://x","y")'
    rows = [StudentScores(formula, None, {"a": 0.0}), StudentScores("-2+3", None, {"a": 1.0})]
    write_csv(tmp_path / "grades.csv", "01_numerical", ["a"], {"a": 1.0}, rows)
    with open(tmp_path / "grades.csv", newline="") as handle:
        ids = [row[3] for row in list(csv.reader(handle))[1:]]
    assert ids == ["'" + formula, "'-2+3"]
    rows = [StudentScores(s, None, {formula: float(i % 2)}) for i, s in enumerate([formula] + list("bcdef"))]
    items = analyse([formula], {formula: 1.0}, rows, {formula: {formula: ["@SUM(A1) | x"]}})
    write_items_csv(tmp_path / "items.csv", items)
    with open(tmp_path / "items.csv", newline="") as handle:
        row = list(csv.reader(handle))[1]
    assert row[0] == "'" + formula and row[-1] == "1: @SUM(A1) | x", "the course's words as they are"


def test_an_id_cannot_pass_for_another_or_for_two(tmp_path):
    """A right-to-left override makes "\u202eetelpmoc_ada" read as "ada_complete"; an id
    with a comma reads as two in a list; a trailing space as another student's id."""
    students = [f"s{i}" for i in range(5)] + ["\u202eetelpmoc_ada", "ben, cleo", "dan "]
    named = {s: {"a": ["the sign is flipped"]} for s in students}
    parsed, text = page(tmp_path, students=students, mistakes=named)
    assert "\u202e" not in text and "\\u202eetelpmoc_ada" in "".join(parsed.text)
    assert text.count("<bdi class='student'>ben, cleo</bdi>") >= 2, "one element: one student"
    assert "<bdi class='student'>dan␣</bdi>" in text
