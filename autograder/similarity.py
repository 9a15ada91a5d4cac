"""Pairs of submissions whose answers are unusually alike: a similarity report per chapter.

Each answer cell is fingerprinted once with copydetect: its code is tokenised by Pygments
with names replaced by V, F and O and strings by S (comments and layout dropped), and the
k-grams of that text are hashed (copydetect's winnowing, with a window of one: every
k-gram is kept). A written answer is fingerprinted as its text with the layout collapsed. Fingerprints that the untouched
student notebook holds (the skeleton of every answer, the given code and the visible
tests) are copydetect's *boilerplate*, and so are those of the instructor's solutions:
code that two students share with the reference solution says they both found the
reference answer, not that one copied the other. An answer equal to the reference after
that normalisation is left out of the comparison and counted instead, per submission (a
different signal: a leaked solution, or an exercise with one natural answer).

Candidate pairs come from an inverted index, fingerprint -> the submissions that hold it
for an exercise: only pairs that share enough fingerprints are compared with copydetect
(which gives the shared slices for the side-by-side view), so a class of hundreds takes
seconds. A fingerprint that a large part of the class holds (`COMMON_SHARE`) is the
common way to write that piece, as MOSS's `-m` option has it, and is not evidence against
a pair; where such fingerprints make whole passages, the report names who holds them.

A pair's score is the larger of its two shares: of one submission's compared code (over
the exercises both answered other than as the reference), the part the other holds too.
A pair is reported when the score reaches the threshold *and* it shares at least
`MIN_TOKENS` normalised characters, so short right answers written alike by everyone are
not flagged; pairs are ranked by score. The figures are chosen by measurement on honest
and copied answers (see THRESHOLD and MIN_TOKENS).

Everything from a submission is hostile: a notebook that cannot be read, a missing or
altered answer cell, a source that is not text is skipped with a note; at most
`MAX_NOTEBOOK_BYTES` of a notebook are read and `MAX_ANSWER_CHARS` of an answer compared;
everything shown in the HTML is escaped.
"""
from __future__ import annotations

import copy
import html
import io
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from .course import CourseError, notebook_name
from .notebook import answer_cells, nbgrader_meta, without_solution_markers
from .text import printable, spreadsheet_writer, student_html

#: Length of the k-grams of normalised code (copydetect's noise threshold). Filtered code is
#: dense (`x = np.asarray(x, dtype=float)` is `V=V.V(V,V=V)`): 20 characters are one or two
#: statements. 15, 20 and 25 separate the measured honest and copied pairs alike; 20 keeps
#: more of a copy whose statements were reordered.
CODE_NOISE = 20
#: Matches at least this long are always found (copydetect's guarantee threshold); the
#: winnowing window is CODE_GUARANTEE - CODE_NOISE + 1. Window 1 keeps every k-gram: answers
#: are short, the shared share is then exact, and copydetect's winnowing, without its C
#: extension (not built by its wheel), is a Python loop slower than keeping them all.
CODE_GUARANTEE = 20
#: The same for written answers, in characters of text (words are longer than tokens).
PROSE_NOISE = 40
PROSE_GUARANTEE = 40

#: A pair's score: the larger of its two shares of compared code held by the other one.
#: Measured on the seven honest students of tests/data/similarity/01_numerical (21 pairs):
#: at most 0.14; their planted copy (names, layout and comments changed, a cell's statements
#: reordered, the written answer reworded, one exercise its own) scores 0.74. 0.4 leaves
#: room on both sides: a copy of half the answers still reaches it.
THRESHOLD = 0.4
#: Normalised characters (copydetect's tokens) a pair must share at least, over its
#: exercises, about ten statements of code neither given nor in the reference. Where few
#: answers are compared (the others equal the reference), a pair's score rests on a few
#: short answers: the exercises on which honest pairs are alike (0.4 or more) add up to at
#: most 106 shared characters in the measured class, the sample classes' pairs at most 110
#: (one exercise of 07_nonsmooth, 77 in 01_numerical). A copy of two answers of ten lines
#: shares more (the planted one shares 1080).
MIN_TOKENS = 150
#: Pairs shown at most, best first.
TOP = 50
#: A fingerprint held by more than this share of the class (and by more than COMMON_MIN
#: submissions) is the common way to write that piece, not evidence against a pair; it also
#: keeps the pairs counted per fingerprint bounded (300 identical notebooks: under a second).
#: Where such fingerprints make a passage (a source that many copied), the report says so.
COMMON_SHARE = 0.1
COMMON_MIN = 20
#: Candidate pairs share at least this part of the threshold, counted in fingerprints.
CANDIDATE_SHARE = 0.25

#: Bounds on what one submission costs (and says).
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
MAX_ANSWER_CHARS = 20_000
MAX_NOTES = 20
#: Characters of an answer shown in the side-by-side view.
MAX_SHOWN_CHARS = 6_000


@dataclass
class Match:
    """One exercise of a pair: the two answers and the slices of them that are alike."""
    grade_id: str
    score: float
    tokens: int
    source_a: str
    source_b: str
    slices_a: list[tuple[int, int]] = field(default_factory=list)
    slices_b: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Pair:
    """Two submissions with unusually much code in common."""
    student_a: str
    student_b: str
    score: float
    tokens: int
    #: The exercises alike (score at least the threshold), most alike first.
    exercises: list[str]
    #: Every exercise with shared code, for the side-by-side view, most shared first.
    matches: list[Match]
    #: How many answer cells of each equal the reference solution (after normalisation).
    reference_a: int = 0
    reference_b: int = 0


class Pairs(list):
    """The ranked pairs of a chapter (a list of Pair), with what the report says beside them:
    `notes` (submissions or cells skipped, and why), `common` (exercises where many
    submissions share a passage, which no pair is flagged for), `reference` (student ->
    answer cells equal to the reference solution, of the answer cells read), `compared`
    (submissions read) and the settings used."""

    def __init__(self, pairs=(), *, chapter="", notes=(), common=(), reference=None, compared=0,
                 threshold=THRESHOLD, min_tokens=MIN_TOKENS, found=None):
        super().__init__(pairs)
        self.found = len(self) if found is None else found  # pairs over the threshold, shown or not
        self.chapter = chapter
        self.notes = list(notes)
        self.common = list(common)
        self.reference = dict(reference or {})
        self.compared = compared
        self.threshold = threshold
        self.min_tokens = min_tokens


# --- fingerprints --------------------------------------------------------------------------------
def _fingerprint(text: str, kind: str, boilerplate=None, whole: bool = False) -> CodeFingerprint:
    """copydetect's fingerprint of an answer: code tokenised as Python, prose as it is. With
    `whole`, every k-gram (as copydetect reads its boilerplate files)."""
    if kind == "code":
        window = 1 if whole else CODE_GUARANTEE - CODE_NOISE + 1
        return CodeFingerprint("answer.py", CODE_NOISE, window, boilerplate, language="python",
                               fp=io.StringIO(text))
    window = 1 if whole else PROSE_GUARANTEE - PROSE_NOISE + 1
    return CodeFingerprint("answer.txt", PROSE_NOISE, window, boilerplate, filter=False,
                           fp=io.StringIO(_prose(text)))


def _prose(text: str) -> str:
    """A written answer with its layout collapsed: line breaks and spacing are not content."""
    return " ".join(text.split())


def _kind(cell_type) -> str:
    return "code" if cell_type == "code" else "prose"


@dataclass
class _Course:
    """What the chapter itself gives: the answer cells' kinds, the boilerplate fingerprints
    and the reference answers, normalised (copydetect's filtered code)."""
    kinds: dict[str, str]
    boilerplate: dict[str, np.ndarray]
    reference: dict[str, str]


def _course(root: Path, chapter: str, name: str) -> _Course:
    skeleton = _instructor_notebook(root / "course" / chapter / name, "course", chapter)
    solution = _instructor_notebook(root / "solutions" / chapter / name, "solutions", chapter)
    kinds = {grade_id: _kind(cell.cell_type) for grade_id, cell in answer_cells(skeleton)}
    # Everything the student notebook gives: every code cell (the answers' skeletons, the
    # given code, the visible tests) and the written answers' placeholders.
    given = {"code": [_fingerprint(c.source, "code", whole=True) for c in skeleton.cells
                      if c.cell_type == "code"],
             "prose": [_fingerprint(c.source, "prose", whole=True) for grade_id, c in answer_cells(skeleton)
                       if kinds[grade_id] == "prose"]}
    reference = {}
    for grade_id, cell in answer_cells(solution):
        if grade_id in kinds:
            fingerprint = _fingerprint(without_solution_markers(cell.source), kinds[grade_id], whole=True)
            reference[grade_id] = fingerprint.filtered_code
            given[kinds[grade_id]].append(fingerprint)
    boilerplate = {kind: np.unique(np.array([h for f in found for h in f.hashes], dtype=np.int64))
                   for kind, found in given.items()}
    return _Course(kinds, boilerplate, reference)


def _instructor_notebook(path: Path, folder: str, chapter: str):
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise CourseError(f"{path} is missing: run `autograder build {chapter}` to write {folder}/") from None
    except Exception as exc:  # noqa: BLE001 (whatever the notebook's reader raises)
        raise CourseError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None


# --- submissions ---------------------------------------------------------------------------------
@dataclass
class _Submission:
    student: str
    #: grade_id -> fingerprint of the answers compared (not equal to the reference, not empty)
    answers: dict[str, CodeFingerprint]
    matches_reference: int
    answered: int


class _Fingerprints:
    """Fingerprints of answers, made once per distinct answer: in a class many cells are
    the same (left untouched, or the reference's)."""

    def __init__(self, course: _Course):
        self.course, self.made = course, {}

    def __call__(self, grade_id: str, source: str) -> CodeFingerprint:
        kind = self.course.kinds[grade_id]
        if (kind, source) not in self.made:
            self.made[kind, source] = _fingerprint(source, kind, self.course.boilerplate[kind])
        return self.made[kind, source]


def _read_submission(path: Path, student: str, fingerprints: _Fingerprints, notes: list[str]):
    """The student's answer cells as copydetect fingerprints, or None (with a note)."""
    said = []

    def note(text):
        said.append(text)
        if len(said) <= MAX_NOTES:
            notes.append(f"{student}: {text}")
        elif len(said) == MAX_NOTES + 1:
            notes.append(f"{student}: more notes left out")

    course = fingerprints.course
    nb = _read_notebook(path, note)
    if nb is None:
        return None
    cells = nb.get("cells")
    if not isinstance(cells, list):
        note("the notebook has no list of cells: not compared")
        return None
    sources = {}
    for position, cell in enumerate(cells, 1):
        found = _answer(cell, course, position, note)
        if found is None:
            continue
        grade_id, source = found
        if grade_id in sources:
            note(f"a second answer cell {grade_id!r} (cell {position}): skipped")
        else:
            sources[grade_id] = source
    missing = [grade_id for grade_id in course.kinds if grade_id not in sources]
    if missing:
        note(f"no answer cell for {', '.join(missing)}: not compared")
    answers, matching = {}, 0
    for grade_id, source in sources.items():
        if course.kinds[grade_id] == "code" and len(source) > MAX_ANSWER_CHARS:
            # Comments count for nothing, but would fill the characters compared: a copy
            # behind a long comment would be cut off unseen.
            source = "\n".join(line for line in source.split("\n") if line.strip()[:1] not in ("#", ""))
        if len(source) > MAX_ANSWER_CHARS:
            note(f"answer {grade_id!r} has {len(source):,} characters: the first "
                 f"{MAX_ANSWER_CHARS:,} characters compared")
            source = source[:MAX_ANSWER_CHARS]
        fingerprint = fingerprints(grade_id, source)
        if fingerprint.filtered_code == course.reference.get(grade_id):
            matching += 1
        elif fingerprint.hashes:
            answers[grade_id] = fingerprint
    return _Submission(student, answers, matching, len(sources))


def _read_notebook(path: Path, note):
    """The notebook's JSON, read with a bound; None (with a note) if it cannot be had. Only
    the cells are used, so nbformat's conversion and validation (most of the time taken by
    reading) are left to the grader."""
    try:
        if path.is_symlink() or not path.is_file():
            note(f"{path.name} is missing or not a regular file: not compared")
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            note(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB: not compared")
            return None
        nb = json.loads(data.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 (a submission can make the reader raise anything)
        note(f"{path.name} cannot be read ({type(exc).__name__}): not compared")
        return None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4:
        note(f"{path.name} is not a notebook of format 4: not compared")
        return None
    return nb


def _answer(cell, course: _Course, position: int, note):
    """(grade_id, source) if `cell` is one of the chapter's answer cells as the course made it."""
    try:
        meta = nbgrader_meta(cell)
        if not isinstance(meta, dict):
            raise TypeError(type(meta).__name__)
        if not meta.get("solution"):
            return None
        grade_id, source, cell_type = meta.get("grade_id"), cell.get("source"), cell.get("cell_type")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)  # the notebook format's lines, as nbformat joins them
    except Exception:  # noqa: BLE001 (metadata of any shape)
        note(f"cell {position} has metadata of an unexpected shape: skipped")
        return None
    if not isinstance(grade_id, str) or grade_id not in course.kinds:
        note(f"cell {position} is marked as the answer of an unknown exercise: skipped")
        return None
    if cell_type not in ("code", "markdown") or _kind(cell_type) != course.kinds[grade_id]:
        note(f"answer cell {grade_id!r} is not of the course's cell type: skipped")
        return None
    if not isinstance(source, str):
        note(f"answer cell {grade_id!r} has a source that is not text: skipped")
        return None
    return grade_id, source


def _submissions(root: Path, chapter: str, name: str, course: _Course, notes: list[str]):
    folder = root / "submitted"
    if not folder.is_dir():
        return []
    fingerprints = _Fingerprints(course)
    found = []
    for student_folder in sorted(folder.iterdir()):
        if not (student_folder / chapter).is_dir():
            continue
        submission = _read_submission(student_folder / chapter / name, student_folder.name,
                                      fingerprints, notes)
        if submission is not None:
            found.append(submission)
    return found


# --- pairs ---------------------------------------------------------------------------------------
def _index(submissions: list[_Submission]) -> dict[tuple[str, int], list[int]]:
    """The inverted index: (exercise, fingerprint) -> the submissions (by number) that hold it."""
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    for number, submission in enumerate(submissions):
        for grade_id, fingerprint in submission.answers.items():
            for hash_value in fingerprint.hashes:
                index[grade_id, hash_value].append(number)
    return index


def _drop_common(submissions: list[_Submission], index) -> tuple[int, dict[str, int]]:
    """Take out of the answers (and the index) the fingerprints that a large part of the class
    holds. Unlike boilerplate, that code is the student's own work: it stays in the code an
    answer covers (the denominator of the share), so an answer made mostly of the common way
    of writing it does not look alike for the little else it shares. Returns the limit and,
    per exercise, the submissions (by number) whose fingerprints were taken out, with how many."""
    limit = int(max(COMMON_MIN, COMMON_SHARE * len(submissions)))
    common = defaultdict(set)
    for (grade_id, hash_value), holders in list(index.items()):
        if len(holders) > limit:
            del index[grade_id, hash_value]
            for number in holders:
                common[number, grade_id].add(hash_value)
    dropped: dict[str, dict[int, int]] = defaultdict(dict)
    for (number, grade_id), hashes in common.items():
        dropped[grade_id][number] = len(hashes)
    for (number, grade_id), hashes in common.items():
        answers = submissions[number].answers
        kept = copy.copy(answers[grade_id])  # fingerprints are shared by equal answers: a copy
        kept.hashes = kept.hashes - hashes
        kept.hash_idx = {h: i for h, i in kept.hash_idx.items() if h not in hashes}
        if kept.hashes:
            answers[grade_id] = kept
        else:
            del answers[grade_id]
    return limit, dropped


def _common_notes(submissions, limit: int, dropped, min_tokens: int) -> list[str]:
    """What the common fingerprints were, where they make a passage of min_tokens / 2 or more
    characters in an answer (an idiom's few are not worth a line)."""
    notes = []
    for grade_id, counts in sorted(dropped.items()):
        holders = sorted(submissions[n].student for n, count in counts.items() if count >= min_tokens / 2)
        if len(holders) > limit:
            shown = ", ".join(holders[:20]) + (f" and {len(holders) - 20} more" if len(holders) > 20 else "")
            notes.append(f"{grade_id}: {len(holders)} submissions share passages that more than {limit} "
                         f"submissions hold, not counted as evidence (the common way of writing that "
                         f"code, or a source that many copied): {shown}")
    return notes


def _candidates(submissions: list[_Submission], index, min_shared: int, min_share: float):
    """Pairs (by number) sharing at least `min_shared` fingerprints, and at least `min_share`
    of the fingerprints of the smaller one's answers to the exercises they both answered."""
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for holders in index.values():
        for pair in itertools.combinations(holders, 2):
            shared[pair] += 1
    for (i, j), count in shared.items():
        if count < min_shared:
            continue
        a, b = submissions[i].answers, submissions[j].answers
        both = a.keys() & b.keys()
        smaller = min(sum(len(a[g].hashes) for g in both), sum(len(b[g].hashes) for g in both))
        if count >= min_share * smaller:
            yield i, j


def _compare(a: _Submission, b: _Submission):
    """(score, tokens, matches) of two submissions, by copydetect on each exercise they share."""
    matches, overlap_a, overlap_b, coverage_a, coverage_b = [], 0.0, 0.0, 0.0, 0.0
    for grade_id in sorted(a.answers.keys() & b.answers.keys()):
        fa, fb = a.answers[grade_id], b.answers[grade_id]
        coverage_a, coverage_b = coverage_a + fa.token_coverage, coverage_b + fb.token_coverage
        if not fa.hashes & fb.hashes:
            continue
        tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(fa, fb)
        if not tokens:
            continue
        overlap_a += share_a * fa.token_coverage
        overlap_b += share_b * fb.token_coverage
        matches.append(Match(grade_id, float(max(share_a, share_b)),
                             int(round(min(share_a * fa.token_coverage, share_b * fb.token_coverage))),
                             fa.raw_code, fb.raw_code, _slices(slices_a), _slices(slices_b)))
    score = max(overlap_a / coverage_a if coverage_a else 0.0, overlap_b / coverage_b if coverage_b else 0.0)
    matches.sort(key=lambda m: (-m.tokens, m.grade_id))
    return float(score), sum(m.tokens for m in matches), matches


def _slices(slices) -> list[tuple[int, int]]:
    return [(int(start), int(end)) for start, end in zip(*slices)] if len(slices[0]) else []


def similar_pairs(root: Path, chapter: str, *, threshold: float = THRESHOLD, top: int = TOP,
                  min_tokens: int = MIN_TOKENS) -> Pairs:
    """The pairs of submitted/*/<chapter> whose answers are alike beyond `threshold` (a share,
    0 to 1) on at least `min_tokens` normalised characters, most alike first, at most `top`."""
    if not 0 <= threshold <= 1:
        raise CourseError(f"the similarity threshold is a share between 0 and 1, not {threshold}")
    if top < 1 or min_tokens < 0:
        raise CourseError(f"the similarity report shows at least 1 pair (not {top}) and asks for "
                          f"0 or more shared characters (not {min_tokens})")
    name = notebook_name(root, chapter)
    course = _course(root, chapter, name)
    notes: list[str] = []
    submissions = _submissions(root, chapter, name, course, notes)
    reference = {s.student: (s.matches_reference, s.answered) for s in submissions}
    index = _index(submissions)
    limit, dropped = _drop_common(submissions, index)
    common = _common_notes(submissions, limit, dropped, min_tokens)
    # A shared fingerprint stands for k characters of each answer (more only where an answer
    # repeats itself): fewer than min_tokens / k can hardly make min_tokens. Fingerprints
    # undercount short runs of shared code (a run of L characters gives L - k + 1 of them),
    # so the share of fingerprints asked of a candidate is a quarter of the threshold
    # (measured: 0.15 to 0.75 of the share of characters).
    min_shared = max(1, min_tokens // max(CODE_NOISE, PROSE_NOISE))
    pairs = []
    for i, j in _candidates(submissions, index, min_shared, threshold * CANDIDATE_SHARE):
        a, b = submissions[i], submissions[j]
        score, tokens, matches = _compare(a, b)
        if score < threshold or tokens < min_tokens or not matches:
            continue
        alike = [m.grade_id for m in sorted(matches, key=lambda m: -m.score) if m.score >= threshold]
        pairs.append(Pair(a.student, b.student, score, tokens, alike, matches,
                          a.matches_reference, b.matches_reference))
    pairs.sort(key=lambda p: (-p.score, -p.tokens, p.student_a, p.student_b))
    return Pairs(pairs[:top], chapter=chapter, notes=notes, common=common, reference=reference,
                 compared=len(submissions), threshold=threshold, min_tokens=min_tokens, found=len(pairs))


# --- output --------------------------------------------------------------------------------------
def write_csv(path: Path, pairs) -> None:
    """rank, student_a, student_b, score, exercises (the alike ones, separated by spaces)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = spreadsheet_writer(handle)  # no student id starts a formula
        writer.writerow(["rank", "student_a", "student_b", "score", "exercises"])
        for rank, pair in enumerate(pairs, 1):
            writer.writerow([rank, pair.student_a, pair.student_b, f"{pair.score:.3f}",
                             " ".join(pair.exercises)])


STYLE = """<style>
.sim-report table.sim-pairs { border-collapse: collapse; margin: 0.5em 0; }
.sim-report .sim-pairs th, .sim-report .sim-pairs td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
.sim-report .sim-side { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 4px 0 12px; }
.sim-report pre.sim-code { background: #f7f7f7; border: 1px solid #ddd; padding: 6px; margin: 0;
  overflow-x: auto; white-space: pre-wrap; font-size: 12px; }
.sim-report .sim-hl { background: #ffd27f; }
.sim-report .sim-note { color: #555; font-size: 90%; }
</style>"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _highlighted(source: str, slices: list[tuple[int, int]]) -> str:
    """The answer escaped, its shared slices marked (copydetect escapes every piece), at most
    MAX_SHOWN_CHARS of it."""
    rest = len(source) - MAX_SHOWN_CHARS
    source = source[:MAX_SHOWN_CHARS]
    slices = [(start, min(end, len(source))) for start, end in slices if start < len(source)]
    if slices:
        marked, _ = highlight_overlap(source, np.array(slices).T, "<span class='sim-hl'>", "</span>",
                                      escape_html=True)
    else:
        marked = _e(source)
    return marked + (f'\n<span class="sim-note">({rest:,} more characters not shown)</span>' if rest > 0 else "")


def pairs_html(pairs) -> str:
    """An HTML fragment: the ranked pairs, then each pair's answers side by side, the shared
    code highlighted; with a `Pairs`, also the settings, the reference column and the notes."""
    threshold = getattr(pairs, "threshold", THRESHOLD)
    min_tokens = getattr(pairs, "min_tokens", MIN_TOKENS)
    out = [STYLE, '<div class="sim-report">']
    compared = getattr(pairs, "compared", None)
    settings = (f"score at least {threshold:.2f} (the larger share of a submission's compared "
                f"code found in the other) and at least {min_tokens} shared normalised characters; "
                "code given in the notebook or found in the reference solution does not count")
    if compared is not None:
        settings = f"{compared} submissions compared; " + settings
    out.append(f'<p class="sim-note">{_e(settings)}.</p>')
    out += [f"<p>{_e(printable(text))}</p>" for text in getattr(pairs, "common", [])]
    if not pairs:
        out.append("<p>No pair of submissions is unusually alike.</p>")
    else:
        out.append('<table class="sim-pairs"><tr><th>rank</th><th>student A</th><th>student B</th>'
                   '<th>score</th><th title="normalised characters shared: code with its names as V, F, O, '
                   'strings as S, without comments and layout">shared</th><th>exercises alike</th>'
                   '<th title="answer cells equal to the reference solution">reference A / B</th></tr>')
        for rank, pair in enumerate(pairs, 1):
            out.append(f'<tr><td><a href="#sim-pair-{rank}">{rank}</a></td><td>{student_html(pair.student_a)}</td>'
                       f"<td>{student_html(pair.student_b)}</td><td>{pair.score:.2f}</td><td>{pair.tokens}</td>"
                       f"<td>{_e(' '.join(pair.exercises))}</td>"
                       f"<td>{pair.reference_a} / {pair.reference_b}</td></tr>")
        out.append("</table>")
        found = getattr(pairs, "found", len(pairs))
        if found > len(pairs):
            out.append(f"<p><b>{found} pairs reach the threshold; the {len(pairs)} most alike are shown "
                       "(many identical submissions fill the list: look for a source copied by a group).</b></p>")
        for rank, pair in enumerate(pairs, 1):
            out.append(_pair_html(rank, pair))
    out.append(_reference_html(getattr(pairs, "reference", {})))
    notes = getattr(pairs, "notes", [])
    if notes:
        out.append(f"<details><summary>{len(notes)} note(s) on the submissions</summary><ul>")
        out += [f"<li>{_e(printable(text))}</li>" for text in notes]
        out.append("</ul></details>")
    out.append("</div>")
    return "\n".join(out)


def _pair_html(rank: int, pair: Pair) -> str:
    out = [f'<h4 id="sim-pair-{rank}">{rank}. {student_html(pair.student_a)} and {student_html(pair.student_b)}: '
           f"score {pair.score:.2f}, {pair.tokens} shared</h4>"]
    for match in pair.matches:
        out.append(f'<div class="sim-note">{_e(match.grade_id)}: {match.score:.2f}, '
                   f"{match.tokens} shared</div>")
        out.append('<div class="sim-side">'
                   f'<pre class="sim-code">{_highlighted(match.source_a, match.slices_a)}</pre>'
                   f'<pre class="sim-code">{_highlighted(match.source_b, match.slices_b)}</pre></div>')
    return "\n".join(out)


def _reference_html(reference: dict) -> str:
    if not reference:
        return ""
    rows = "".join(f"<tr><td>{student_html(student)}</td><td>{matching} of {answered}</td></tr>"
                   for student, (matching, answered) in sorted(reference.items()))
    return ("<details><summary>Answer cells equal to the reference solution, per submission "
            "(not evidence of copying between students)</summary>"
            '<table class="sim-pairs"><tr><th>student</th><th>equal to the reference</th></tr>'
            f"{rows}</table></details>")
