"""`autograder report`: a chapter's scores and how each exercise worked.

Written into reports/<chapter>/:

- grades.csv: one row per student, in the columns of `nbgrader export` (assignment,
  duedate, timestamp, student_id, last_name, first_name, email, raw_score,
  late_submission_penalty, score, max_score), followed by one column per exercise;
- items.csv: one row per exercise, its item analysis (autograder.items) and the mistakes
  the grading named (autograder.mistakes), with how many students made each;
- similarity.csv: the pairs of submissions whose answers are unusually alike
  (autograder.similarity), most alike first;
- scores.png (the score distribution per exercise) and items.png (difficulty against
  discrimination);
- index.html: the chapter page (autograder.chapter_page), all of it in one file.

The terminal shows the scores and the item analysis as tables, and the most alike pairs.
"""
from __future__ import annotations

import io
from pathlib import Path

from . import chapter_page
from .course import base_chapter
from .items import HARD, POOR, Item, analyse, item_status, left_out
from .mistakes import read_mistakes
from .scores import read_scores
from .text import shown, spreadsheet_writer

EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                  "first_name", "email", "raw_score", "late_submission_penalty", "score",
                  "max_score"]


def table(names, maximum, rows) -> str:
    """The scores as fixed-width text: one row per student, one column per exercise."""
    keys = [f"E{i + 1}" for i in range(len(names))]
    ids = {r.student: shown(r.student, 60) for r in rows}  # a student's id: no escape sequence
    width = max([7] + [len(i) for i in ids.values()])
    lines = [f"{'student':<{width}} " + " ".join(f"{k:>5}" for k in keys) + "   total"]
    for row in rows:
        cells = []
        for name in names:
            mark = "?" if name in row.needs_manual else ""
            cells.append(f"{row.scores[name]:g}{mark}".rjust(5))
        lines.append(f"{ids[row.student]:<{width}} " + " ".join(cells)
                     + f"   {row.total:g}/{sum(maximum.values()):g}")
    lines.append("")
    lines += [f"  {k:>4} = {n} ({maximum[n]:g} points)" for k, n in zip(keys, names)]
    if any(r.needs_manual for r in rows):
        lines.append("  ? = needs manual grading (nbgrader formgrader)")
    return "\n".join(lines)


def write_csv(path: Path, chapter: str, names, maximum, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = spreadsheet_writer(handle)
        writer.writerow(EXPORT_COLUMNS + names)
        for row in rows:
            writer.writerow([chapter, "", row.timestamp or "", row.student, "", "", "",
                             row.total, 0.0, row.total, sum(maximum.values())]
                            + [row.scores[n] for n in names])


ITEM_COLUMNS = ["exercise", "max_points", "graded", "awaiting_manual_grading", "mean",
                "difficulty", "point_biserial", "item_rest", "upper_lower_27", "flags", "mistakes"]



def item_table(items: list[Item], limit: int = 5) -> str:
    """The item analysis as fixed-width text, and each exercise's most frequent mistakes."""
    def num(value, percent=False):
        return "—" if value is None else (f"{value:.0%}" if percent else f"{value:.2f}")

    width = max([8] + [len(i.exercise) for i in items])
    lines = [f"{'exercise':<{width}}  points graded  mean  full  p-bis  i-rest  up-low  flags"]
    for item in items:
        why = item_status(item)
        if why:
            lines.append(f"{item.exercise:<{width}}  {item.max_points:6g} {item.graded:6d}  {why}")
            continue
        lines.append(f"{item.exercise:<{width}}  {item.max_points:6g} {item.graded:6d} "
                     f"{num(item.mean):>5} {num(item.difficulty, True):>5} {num(item.point_biserial):>6} "
                     f"{num(item.item_rest):>7} {num(item.upper_lower):>7}  {', '.join(item.flags)}")
    named = [item for item in items if item.mistakes]
    if named:
        lines.append("\nmistakes the grading named (students: mistake):")
    for item in named:
        lines.append(f"  {item.exercise}")
        for name, students in item.mistakes[:limit]:
            lines.append(f"    {len(students):3d}: {shown(name if len(name) <= 100 else name[:99] + '…')}")
        if len(item.mistakes) > limit:
            lines.append(f"         and {len(item.mistakes) - limit} more (items.csv, index.html)")
    return "\n".join(lines)


def write_items_csv(path: Path, items: list[Item]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = spreadsheet_writer(handle)
        writer.writerow(ITEM_COLUMNS)
        for i in items:
            writer.writerow([i.exercise, i.max_points, i.graded, i.awaiting,
                             "" if i.mean is None else round(i.mean, 4),
                             "" if i.difficulty is None else round(i.difficulty, 4),
                             "" if i.point_biserial is None else round(i.point_biserial, 4),
                             "" if i.item_rest is None else round(i.item_rest, 4),
                             "" if i.upper_lower is None else round(i.upper_lower, 4),
                             "; ".join(i.flags),
                             "\n".join(f"{len(s)}: {name}" for name, s in i.mistakes)])


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    _pyplot().close(fig)
    return buffer.getvalue()


def items_png(chapter: str, items: list[Item]) -> bytes:
    """Difficulty against discrimination, one point per exercise (the item map)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    shown_items = [i for i in items if i.difficulty is not None and i.item_rest is not None]
    for i in shown_items:
        ax.scatter(i.difficulty, i.item_rest, color="C3" if i.flags else "C0")
        ax.annotate(i.exercise, (i.difficulty, i.item_rest), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.axhline(POOR, color="grey", lw=0.8, ls="--")
    ax.axvline(HARD, color="grey", lw=0.8, ls="--")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("difficulty index: share of full marks (higher: easier)")
    ax.set_ylabel("item-rest correlation")
    ax.set_title(f"{chapter}: exercises ({len(shown_items)} with a discrimination)")
    fig.tight_layout()
    return _png(fig)


def write_png(path: Path, chapter: str, names, maximum, rows) -> bytes:
    """One histogram of scores per exercise, written to `path`; its bytes."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    columns = 4
    lines = -(-len(names) // columns)
    fig, axes = plt.subplots(lines, columns, figsize=(3.2 * columns, 2.4 * lines), squeeze=False)
    for ax, name in zip(axes.flat, names):
        top = maximum[name] or 1.0
        values = [row.scores[name] for row in rows]
        ax.hist(values, bins=[b - 0.5 for b in range(int(top) + 2)], color="C0", rwidth=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_xlim(-0.6, top + 0.6)
        ax.set_xticks(range(int(top) + 1))
        ax.set_xlabel("points", fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes[0][0].set_ylabel("students")
    fig.suptitle(f"{chapter}: score distribution per exercise ({len(rows)} submissions)")
    fig.tight_layout()
    data = _png(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def not_graded(root: Path, chapter: str) -> set[str]:
    """The students whose submission of `chapter` the journal records as not graded."""
    from .batch.gradebook import course_db_url, course_id, open_gradebook, recorded

    with open_gradebook(course_db_url(root), course_id(root), journal=False) as gb:
        return {s for s, (_, status) in recorded(gb, chapter).items() if status.startswith("not graded")}


def left_out_sentence(excluded: dict[str, str]) -> str:
    counts = {why: sum(w == why for w in excluded.values()) for why in ("not graded", "no answer")}
    parts = [f"{counts['not graded']} that could not be graded"] * bool(counts["not graded"]) + \
            [f"{counts['no answer']} without any answer"] * bool(counts["no answer"])
    who = sorted(excluded)
    names = ", ".join(shown(s, 40) for s in who[:10]) + (f" and {len(who) - 10} more" if len(who) > 10 else "")
    return (f"left out of the statistics: {' and '.join(parts)} ({names}); their zeros say "
            "nothing about the exercises")


def similarity_summary(pairs, limit: int = 5) -> str:
    """The similar pairs in a few lines: the most alike first."""
    if not pairs:
        return (f"similar submissions: no pair of the {pairs.compared} compared reaches "
                f"{pairs.threshold:g} on {pairs.min_tokens} shared characters")
    of = f"{pairs.found} pairs ({len(pairs)} most alike kept)" if pairs.found > len(pairs) else f"{len(pairs)} pairs"
    lines = [f"similar submissions: {of} of the {pairs.compared} compared (score, "
             "shared characters, the exercises alike):"]
    for pair in pairs[:limit]:
        lines.append(f"  {pair.score:.2f} {pair.tokens:6d}  {shown(pair.student_a, 60)} & "
                     f"{shown(pair.student_b, 60)}: {shown(' '.join(pair.exercises), 120)}")
    if len(pairs) > limit:
        lines.append(f"  and {len(pairs) - limit} more (similarity.csv, index.html)")
    return "\n".join(lines)


def report(root: Path, chapter: str, threshold: float | None = None,
           min_shared: int | None = None) -> dict[str, Path]:
    """Everything of the module's docstring for `chapter`; the similarity report's pairs
    are those alike beyond `threshold` on `min_shared` characters (autograder.similarity)."""
    from . import similarity

    names, maximum, rows = read_scores(root, chapter)
    print(f"{chapter}: {len(rows)} submissions\n")
    print(table(names, maximum, rows))
    named = read_mistakes(root, chapter, names, [r.student for r in rows])
    excluded = left_out(rows, named, not_graded(root, chapter), base_chapter(chapter)[1] or "en")
    items = analyse(names, maximum, rows, named, set(excluded))
    print("\n" + item_table(items))
    if excluded:
        print(left_out_sentence(excluded))
    folder = root / "reports" / chapter
    pairs = similarity.similar_pairs(
        root, chapter, threshold=similarity.THRESHOLD if threshold is None else threshold,
        min_tokens=similarity.MIN_TOKENS if min_shared is None else min_shared)
    print("\n" + similarity_summary(pairs))
    written = {"grades": folder / "grades.csv", "items": folder / "items.csv",
               "similarity": folder / "similarity.csv", "scores": folder / "scores.png",
               "item map": folder / "items.png", "page": folder / "index.html"}
    plots = {"score distribution per exercise": write_png(written["scores"], chapter, names, maximum, rows),
             "difficulty and discrimination of each exercise": items_png(chapter, items)}
    written["item map"].write_bytes(plots["difficulty and discrimination of each exercise"])
    write_csv(written["grades"], chapter, names, maximum, rows)
    write_items_csv(written["items"], items)
    similarity.write_csv(written["similarity"], pairs)
    chapter_page.write(written["page"], chapter, names, maximum, rows, items, plots,
                       similarity.pairs_html(pairs), left_out_sentence(excluded) if excluded else "")
    print("\nwritten: " + ", ".join(str(p.relative_to(root)) for p in written.values()))
    return written
