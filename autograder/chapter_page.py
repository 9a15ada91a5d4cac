"""The chapter page of `autograder report`: one self-contained HTML file an instructor can
open or mail (reports/<chapter>/index.html).

It holds the item analysis (autograder.items) as a table, the plots (score distribution per
exercise; difficulty against discrimination), the mistakes the grading named with the
students who made each, the similar pairs of submissions (autograder.similarity) and the
scores of every student. Everything on it that a submission could have chosen (student
ids, mistake names taken from feedback messages, answer code) is escaped, and the page
allows no script and loads nothing: its Content-Security-Policy admits only its own
styles and the plots embedded in it.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from .items import FEW_EACH, FEWEST, FLAGGED, HARD, POOR, Item, item_status
from .text import student_html

STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
tr.flagged td { background: #fff4e0; }
.flag { color: #a05a00; font-weight: bold; }
details { margin: 0.3em 0 0.3em 1em; }
.none { color: #777; }
img { max-width: 100%; }
bdi.student { font-family: "DejaVu Sans Mono", monospace; background: #f0f0f0; padding: 0 0.25em;
  margin: 0 0.1em; border-radius: 2px; white-space: pre; }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "<span class='none'>—</span>"
    return f"{value:.0%}" if percent else f"{value:.2f}"


def _image(png: bytes, alt: str) -> str:
    return f"<img alt='{_e(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def items_table(items: list[Item]) -> str:
    head = ("<tr><th>exercise</th><th>points</th><th>graded</th><th>mean</th><th>full marks</th>"
            "<th>point-biserial</th><th>item-rest</th><th>upper − lower 27%</th><th>flags</th></tr>")
    rows = []
    for item in items:
        status = item_status(item)
        if status:
            rows.append(f"<tr><td>{_e(item.exercise)}</td><td>{item.max_points:g}</td><td>{item.graded}</td>"
                        f"<td class='text none' colspan='6'>{_e(status)}</td></tr>")
            continue
        flagged = " class='flagged'" if item.flags else ""
        rows.append(
            f"<tr{flagged}><td>{_e(item.exercise)}</td><td>{item.max_points:g}</td>"
            f"<td>{item.graded}</td>"
            f"<td>{_num(item.mean)}</td><td>{_num(item.difficulty, True)}</td>"
            f"<td>{_num(item.point_biserial)}</td><td>{_num(item.item_rest)}</td><td>{_num(item.upper_lower)}</td>"
            f"<td class='text flag'>{_e(', '.join(item.flags))}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def mistakes_section(items: list[Item]) -> str:
    parts = []
    for item in items:
        if not item.mistakes:
            continue
        entries = []
        for name, students in item.mistakes:
            who = " ".join(student_html(s) for s in students)
            count = f"{len(students)} student{'s' if len(students) != 1 else ''}"
            entries.append(f"<details><summary><b>{count}</b>: {_e(name)}</summary>{who}</details>")
        parts.append(f"<h3>{_e(item.exercise)}</h3>{''.join(entries)}")
    return "".join(parts) or "<p class='none'>No test failed: no mistake to count.</p>"


def students_table(names: list[str], maximum: dict[str, float], rows) -> str:
    head = "<tr><th>student</th>" + "".join(f"<th>{_e(n)}</th>" for n in names) + "<th>total</th></tr>"
    total = sum(maximum.values())
    body = []
    for row in rows:
        cells = "".join(f"<td>{row.scores[n]:g}{'?' if n in row.needs_manual else ''}</td>" for n in names)
        body.append(f"<tr><td>{student_html(row.student)}</td>{cells}<td>{row.total:g}/{total:g}</td></tr>")
    return f"<table>{head}{''.join(body)}</table>"


def write(path: Path, chapter: str, names, maximum, rows, items: list[Item],
          plots: dict[str, bytes], similarity: str = "", left_out: str = "") -> None:
    flagged = [i for i in items if i.flags]
    summary = (f"{len(rows)} submissions, {len(names)} exercises; "
               + (f"{len(flagged)} flagged: " + ", ".join(_e(i.exercise) for i in flagged)
                  if flagged else "no exercise flagged"))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{_e(chapter)}: item analysis</title><style>{STYLE}</style></head>
<body>
<h1>{_e(chapter)}: how each exercise worked</h1>
<p>{summary}.</p>
<h2>Exercises</h2>
{items_table(items)}
{f"<p>{_e(left_out[:1].upper() + left_out[1:])}.</p>" if left_out else ""}
<p>Full marks: the share of graded submissions with every point of the exercise (its
difficulty index: higher is easier). Point-biserial: the correlation of full marks on the
exercise with the score on the rest of the chapter; item-rest: the same with the exercise's
score, partial credit counted. Upper − lower 27%: the share of full marks among the best 27%
of the class (by the rest of the chapter; students tied at the boundary count in part) minus
that among the worst 27%. Flagged: fewer than {HARD:.0%} get full marks, or an item-rest
correlation below {POOR} (the score says little about the rest of the chapter: a test that
rejects right answers, or something the chapter does not teach), where at least {FLAGGED}
submissions are graded and at least {FEW_EACH} have full marks and {FEW_EACH} do not: below about
a hundred submissions a correlation moves by ±0.2 from class to class. No correlation is
computed for fewer than {FEWEST} graded submissions, and none for an exercise whose written
answers are still being graded (nor does it count in the rest of the chapter until then).</p>
{''.join(_image(png, alt) for alt, png in plots.items())}
<h2>Mistakes the grading named</h2>
<p>Each failed test's message, as the student's feedback shows it, names the mistake where
the diagnostics recognise it; a student counts once per mistake and exercise.</p>
{mistakes_section(items)}
<h2>Similar submissions</h2>
{similarity or "<p class='none'>Not computed.</p>"}
<h2>Scores</h2>
{students_table(names, maximum, rows)}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
