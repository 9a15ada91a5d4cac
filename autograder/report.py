"""`autograder report`: per-student, per-exercise scores as a table, a CSV and a PNG.

The CSV has the columns of `nbgrader export` (assignment, duedate, timestamp,
student_id, last_name, first_name, email, raw_score, late_submission_penalty,
score, max_score), followed by one column per exercise.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .scores import read_scores

EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                  "first_name", "email", "raw_score", "late_submission_penalty", "score",
                  "max_score"]


def table(names, maximum, rows) -> str:
    """The scores as fixed-width text: one row per student, one column per exercise."""
    keys = [f"E{i + 1}" for i in range(len(names))]
    width = max([7] + [len(r.student) for r in rows])
    lines = [f"{'student':<{width}} " + " ".join(f"{k:>5}" for k in keys) + "   total"]
    for row in rows:
        cells = []
        for name in names:
            mark = "?" if name in row.needs_manual else ""
            cells.append(f"{row.scores[name]:g}{mark}".rjust(5))
        lines.append(f"{row.student:<{width}} " + " ".join(cells)
                     + f"   {row.total:g}/{sum(maximum.values()):g}")
    lines.append("")
    lines += [f"  {k:>4} = {n} ({maximum[n]:g} points)" for k, n in zip(keys, names)]
    if any(r.needs_manual for r in rows):
        lines.append("  ? = needs manual grading (nbgrader formgrader)")
    return "\n".join(lines)


def write_csv(path: Path, chapter: str, names, maximum, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS + names)
        for row in rows:
            writer.writerow([chapter, "", row.timestamp or "", row.student, "", "", "",
                             row.total, 0.0, row.total, sum(maximum.values())]
                            + [row.scores[n] for n in names])


def write_png(path: Path, chapter: str, names, maximum, rows) -> None:
    """One histogram of scores per exercise."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def report(root: Path, chapter: str) -> tuple[Path, Path]:
    names, maximum, rows = read_scores(root, chapter)
    print(f"{chapter}: {len(rows)} submissions\n")
    print(table(names, maximum, rows))
    folder = root / "reports" / chapter
    csv_path, png_path = folder / "grades.csv", folder / "scores.png"
    write_csv(csv_path, chapter, names, maximum, rows)
    write_png(png_path, chapter, names, maximum, rows)
    print(f"\nwritten: {csv_path.relative_to(root)}, {png_path.relative_to(root)}")
    return csv_path, png_path
