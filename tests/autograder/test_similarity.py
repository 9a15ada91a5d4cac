"""The similarity report finds a planted copied pair among honest ones and flags no honest pair.

tests/data/similarity/01_numerical/ holds seven honest students, written independently as
different people write (loops or NumPy, helpers, comprehensions, while loops, comments),
and hana, a copy of chidi with the names, layout and comments changed, the statements of
a cell reordered, the written answer reworded and one exercise her own. They are sample
files (the format of autograder.samples, named .sample: the edit lines are not Python)
assembled into notebooks here; nothing is graded.
"""
from __future__ import annotations

import copy
import csv
import html
import json
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from autograder.course import CourseError, notebook_name
from autograder.notebook import answer_cells
from autograder.samples import Sample, assemble, parse_sample, write_sample_class
from autograder.similarity import pairs_html, similar_pairs, write_csv

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "similarity" / "01_numerical"
CHAPTER = "01_numerical"
NOTEBOOK = "numerical.ipynb"
#: The threshold and minimum the module documents.
THRESHOLD, MIN_TOKENS = 0.4, 150


def course_root(folder: Path) -> Path:
    """A course root whose sources are the repository's (read only) and whose submitted/ is new."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("solutions", "course", "samples"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def submit(root: Path, student: str, nb, chapter: str = CHAPTER, name: str = NOTEBOOK) -> Path:
    folder = root / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def student_notebook(student: str):
    return assemble(ROOT, CHAPTER, parse_sample(DATA / f"{student}.sample"))


def skeleton(chapter: str = CHAPTER, name: str = NOTEBOOK):
    return nbformat.read(ROOT / "course" / chapter / name, as_version=4)


def cell_of(nb, grade_id):
    return dict(answer_cells(nb))[grade_id]


@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> Path:
    root = course_root(tmp_path_factory.mktemp("honest"))
    for path in sorted(DATA.glob("*.sample")):
        submit(root, path.stem, student_notebook(path.stem))
    return root


def test_the_planted_copy_is_the_one_pair_flagged(honest):
    pairs = similar_pairs(honest, CHAPTER)
    assert [(p.student_a, p.student_b) for p in pairs] == [("chidi", "hana")]
    copied = pairs[0]
    assert copied.score >= THRESHOLD and copied.tokens >= MIN_TOKENS
    # The cell whose statements were reordered, and the reworded written answer, are still found.
    assert {"numerical_gradient", "numerical_hessian", "step_errors", "written_v_shape"} <= set(copied.exercises)
    # Her own forward difference is the reference's: not compared, not alike.
    assert "forward_difference" not in copied.exercises
    assert (copied.reference_a, copied.reference_b) == (0, 1)


def test_no_honest_pair_reaches_the_threshold(honest):
    everything = similar_pairs(honest, CHAPTER, threshold=0.0, min_tokens=0, top=1000)
    # Honest students do share bits of code: most pairs are there, with scores.
    assert len(everything) >= 15
    assert (everything[0].student_a, everything[0].student_b) == ("chidi", "hana")
    honest_pairs = everything[1:]
    assert all("hana" not in (p.student_a, p.student_b) or "chidi" not in (p.student_a, p.student_b)
               for p in honest_pairs)
    assert max(p.score for p in honest_pairs) < THRESHOLD
    assert everything[0].score > 2 * max(p.score for p in honest_pairs)


def test_answers_equal_to_the_reference_are_counted_not_compared(honest):
    reference = similar_pairs(honest, CHAPTER).reference
    # gus wrote forward, central, complex step, Richardson and the gradient check as the
    # reference does; farah's forward difference differs only by a comment; hana's is the
    # reference's; the others wrote every answer their own way. 12 answer cells each.
    assert reference == {"amara": (0, 12), "bo": (0, 12), "chidi": (0, 12), "dana": (0, 12),
                         "emil": (0, 12), "farah": (1, 12), "gus": (5, 12), "hana": (1, 12)}


@pytest.mark.parametrize("chapter", ["01_numerical", "04_reverse"])
def test_the_bundled_sample_class_shows_no_pair(tmp_path, chapter):
    root = course_root(tmp_path)
    students = {s.student for s in write_sample_class(root, chapter)}
    pairs = similar_pairs(root, chapter)
    assert list(pairs) == []
    assert set(pairs.reference) == students
    answers = len(list(answer_cells(skeleton(chapter, notebook_name(ROOT, chapter)))))
    assert pairs.reference["instructor"] == (answers, answers)
    assert pairs.reference["untouched"] == (0, answers)
    assert "No pair of submissions is unusually alike" in pairs_html(pairs)


def test_untouched_notebooks_and_the_given_code_are_not_evidence(tmp_path):
    root = course_root(tmp_path)
    for student in ("una", "ugo", "uli"):
        submit(root, student, skeleton())
    # Nothing but the skeleton: no fingerprint left, not even a pair at threshold 0.
    assert list(similar_pairs(root, CHAPTER, threshold=0.0, min_tokens=0)) == []
    # Two students who paste the notebook's given code (its first code cells) into answers.
    given = [c.source for c in skeleton().cells if c.cell_type == "code" and not c.metadata.get("nbgrader")]
    for student in ("pam", "pat"):
        nb = skeleton()
        cell_of(nb, "step_errors").source += "\n" + "\n".join(given[:2])
        cell_of(nb, "numerical_hessian").source += "\n" + given[1]
        submit(root, student, nb)
    assert list(similar_pairs(root, CHAPTER)) == []


def test_short_right_answers_written_alike_are_not_flagged(tmp_path):
    """Everyone writes `central_difference` and friends the same way: the pairs share those
    few statements (a high share, for answers that are otherwise the reference's), but far
    fewer than the minimum of shared code."""
    root = course_root(tmp_path)
    short = {"forward_difference": "def forward_difference(f, x, h=1e-6):\n    return (f(x + h) - f(x)) * (1 / h)",
             "central_difference": "def central_difference(f, x, h=1e-5):\n    return 0.5 * (f(x + h) - f(x - h)) / h",
             "complex_step": "def complex_step(f, x, h=1e-20):\n    return f(x + 1j * h).imag / h"}
    for student in ("ann", "bob", "cat"):
        nb = assemble(ROOT, CHAPTER, Sample(student, "solution", []))  # the reference's answers
        for grade_id, source in short.items():
            cell_of(nb, grade_id).source = source
        submit(root, student, nb)
    alike = similar_pairs(root, CHAPTER, min_tokens=0)
    assert len(alike) == 3 and all(p.score > THRESHOLD for p in alike)
    assert all(p.tokens < MIN_TOKENS for p in alike)
    assert list(similar_pairs(root, CHAPTER)) == []


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


def test_html_escapes_everything_from_a_submission(tmp_path):
    root = course_root(tmp_path)
    nb = student_notebook("chidi")
    cell_of(nb, "numerical_gradient").source += ('\n\nBANNER = "</pre><script>alert(1)</script>"'
                                                 "  # <img src=x onerror=alert(2)>\n")
    cell_of(nb, "written_v_shape").source += "\n</pre><script>alert(3)</script> <img src=x onerror=alert(4)>"
    submit(root, "<b>mallory", nb)
    submit(root, "eve\"'&<i>", copy.deepcopy(nb))
    (root / "submitted" / "<script>alert(5)" / CHAPTER).mkdir(parents=True)
    (root / "submitted" / "<script>alert(5)" / CHAPTER / NOTEBOOK).write_text("<img src=x>")
    pairs = similar_pairs(root, CHAPTER)
    assert len(pairs) == 1 and pairs.notes
    page = pairs_html(pairs)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(4)&gt;" in page
    assert "&lt;b&gt;mallory" in page and "&lt;script&gt;alert(5)" in page
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= {"style", "div", "p", "table", "tr", "th", "td", "a", "h4", "pre", "span",
                           "details", "summary", "ul", "li", "bdi"}
    assert "html" not in parser.tags and "head" not in parser.tags


def test_csv_has_the_documented_columns(honest, tmp_path):
    pairs = similar_pairs(honest, CHAPTER)
    write_csv(tmp_path / "reports" / "similarity.csv", pairs)
    with open(tmp_path / "reports" / "similarity.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["rank", "student_a", "student_b", "score", "exercises"]
    assert len(rows) == 2 and rows[1][:3] == ["1", "chidi", "hana"]
    assert THRESHOLD <= float(rows[1][3]) <= 1
    assert "numerical_hessian" in rows[1][4].split()


def test_hostile_submissions_are_skipped_with_a_note(tmp_path):
    root = course_root(tmp_path)
    submit(root, "chidi", student_notebook("chidi"))
    submit(root, "hana", student_notebook("hana"))
    folder = root / "submitted"

    def raw(student, content: bytes | str):
        path = folder / student / CHAPTER / NOTEBOOK
        path.parent.mkdir(parents=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    raw("garbage", b"\x00\xff{not json")
    raw("a_list", "[1, 2, 3]")
    raw("old_format", json.dumps({"nbformat": 3, "worksheets": []}))
    raw("cells_not_a_list", json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": "many"}))
    data = json.loads(nbformat.writes(student_notebook("amara")))
    answers = [c for c in data["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    answers[0]["source"] = 12345                                   # not text
    answers[1]["source"] = ["def central_difference(f, x, h=1e-5):\n", 7]
    answers[2]["metadata"]["nbgrader"]["grade_id"] = "no_such_exercise"
    answers[3]["metadata"]["nbgrader"] = "solution"                 # metadata of another shape
    answers[4]["metadata"] = ["not", "a", "dict"]
    answers[5]["cell_type"] = "code"                               # the written answer, as code
    data["cells"].append(copy.deepcopy(answers[6]))                # a second numerical_gradient
    data["cells"].remove(answers[7])                               # an answer cell deleted
    data["cells"].append({"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": ["x"]}},
                          "source": "x = 1", "outputs": [], "execution_count": None})
    raw("altered", json.dumps(data))
    # A 10 MB answer: the first characters are compared, the rest not read into the comparison.
    huge = student_notebook("hana")
    cell_of(huge, "numerical_hessian").source += "\n" + "pad = 1\n" * 1_000_000
    submit(root, "huge", huge)
    (folder / "linked" / CHAPTER).mkdir(parents=True)
    (folder / "linked" / CHAPTER / NOTEBOOK).symlink_to(folder / "chidi" / CHAPTER / NOTEBOOK)
    (folder / "a_folder" / CHAPTER / NOTEBOOK).mkdir(parents=True)
    (folder / "nothing_inside" / CHAPTER).mkdir(parents=True)
    (folder / "other_chapter_only" / "04_reverse").mkdir(parents=True)

    pairs = similar_pairs(root, CHAPTER)
    noted = {note.split(":")[0] for note in pairs.notes}
    assert noted >= {"garbage", "a_list", "old_format", "cells_not_a_list", "altered", "huge", "linked",
                     "a_folder", "nothing_inside"}
    assert "other_chapter_only" not in noted and "chidi" not in noted and "hana" not in noted
    # One note per altered cell (the first six, the second numerical_gradient, the appended
    # cell), and one naming the exercises left without an answer cell.
    altered = [note for note in pairs.notes if note.startswith("altered:")]
    assert len(altered) == 9, altered
    assert any("no answer cell for" in note and "numerical_jacobian" in note for note in altered)
    assert any("first 20,000 characters" in note for note in pairs.notes if note.startswith("huge:"))
    found = {(p.student_a, p.student_b) for p in pairs}
    assert ("chidi", "hana") in found and ("chidi", "huge") in found
    assert pairs.compared == 4  # chidi, hana, huge and what is left of altered
    huge_match = next(m for p in pairs if p.student_b == "huge" for m in p.matches
                      if m.grade_id == "numerical_hessian")
    assert len(huge_match.source_b) == 20_000
    assert "more characters not shown" in pairs_html(pairs)


def test_an_unknown_chapter_or_a_wrong_threshold_is_said(honest):
    with pytest.raises(CourseError, match="unknown chapter"):
        similar_pairs(honest, "99_nothing")
    with pytest.raises(CourseError, match="between 0 and 1"):
        similar_pairs(honest, CHAPTER, threshold=40)


def test_a_source_many_copied_is_named_not_paired(tmp_path):
    """More than COMMON_MIN (20) submissions with the same answers: their fingerprints are
    the common way of writing them, not evidence against one pair; the report names them."""
    root = course_root(tmp_path)
    nb = student_notebook("chidi")
    ring = [f"r{number:02d}" for number in range(22)]
    for student in ring:
        submit(root, student, nb)
    submit(root, "amara", student_notebook("amara"))
    pairs = similar_pairs(root, CHAPTER)
    assert list(pairs) == []
    gradient = [text for text in pairs.common if text.startswith("numerical_gradient:")]
    assert len(gradient) == 1 and "22 submissions" in gradient[0]
    assert all(student in gradient[0] for student in ring[:20]) and "amara" not in gradient[0]
    assert html.escape(gradient[0]) in pairs_html(pairs)


def test_the_notes_on_one_submission_are_bounded(tmp_path):
    root = course_root(tmp_path)
    data = json.loads(nbformat.writes(student_notebook("amara")))
    odd = {"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": "nothing"}},
           "source": "", "outputs": [], "execution_count": None}
    data["cells"] += [odd] * 5000
    path = root / "submitted" / "many" / CHAPTER / NOTEBOOK
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    notes = similar_pairs(root, CHAPTER).notes
    assert len(notes) == 21 and notes[-1] == "many: more notes left out"


def test_a_copy_behind_a_long_comment_is_still_found(honest, tmp_path):
    """Comments count for nothing, and do not push the copied code past what is compared."""
    import shutil

    root = tmp_path / "padded"
    shutil.copytree(honest, root)
    path = root / "submitted" / "hana" / CHAPTER / NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source = "# padding\n" * 3000 + cell.source
    nbformat.write(nb, path)
    assert [(p.student_a, p.student_b) for p in similar_pairs(root, CHAPTER)] == [("chidi", "hana")]
