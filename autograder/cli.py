"""The `autograder` command (also `python -m autograder`): parses arguments, hands over."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError, find_root, scripts_on_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Build, grade and report the automatic differentiation course.")
    parser.add_argument("--root", type=Path, default=None,
                        help="the course root (default: found from the current folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="generate course/ (student notebooks) from solutions/")
    build.add_argument("chapters", nargs="*", help="chapters to build (default: all)")

    sample = commands.add_parser("sample", help="load the bundled sample class into submitted/")
    sample.add_argument("chapters", nargs="+", metavar="chapter")

    grade = commands.add_parser(
        "grade", help="autograde a chapter's submissions, write feedback (several chapters: one batch)",
        description="Autograde the chapters' submissions and write their feedback. A submission "
                    "whose result is recorded for the same files, grading code, chapter and "
                    "configuration is not graded again (--force grades all). When a submission "
                    "with a recorded result is graded again, its new scores are compared with "
                    "the gradebook's: each student whose score changed is printed as the result "
                    "comes in, before it is recorded, and at the end a table (old total, new "
                    "total, change, the tests whose score changed) and "
                    "reports/CHAPTER/regrade-<UTC time>.csv. --dry-run grades the same "
                    "submissions and shows that diff, new submissions marked \"new\", recording "
                    "nothing.")
    grade.add_argument("chapters", nargs="+", metavar="chapter")
    grade.add_argument("--workers", "-j", type=int, default=None,
                       help="submissions graded at once on this machine (default: its cores, "
                            "but at most one per 6 submissions)")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="grade on the Dask cluster whose scheduler is at ADDRESS "
                            "(e.g. tcp://10.0.0.5:8786) instead of on this machine")
    grade.add_argument("--force", action="store_true",
                       help="grade again the submissions whose result is already recorded")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.add_argument("--dry-run", action="store_true",
                       help="grade what would be graded (with --force: everything) and show how the "
                            "scores would change, recording nothing: the gradebook, its journal, "
                            "autograded/ and feedback/ stay as they were; the diff is written to "
                            "reports/CHAPTER/regrade-<UTC time>-dry-run.csv")

    report = commands.add_parser("report", help="a chapter's scores, item analysis (difficulty, "
                                 "discrimination, the mistakes the class made), similar submissions: "
                                 "tables, CSV files and a chapter page (reports/CHAPTER/index.html)")
    report.add_argument("chapters", nargs="+", metavar="chapter")
    report.add_argument("--similarity-threshold", type=float, metavar="SHARE", default=None,
                        help="list a pair of submissions when this share (0 to 1) of one's compared "
                             "answer code is found in the other (default: 0.4)")
    report.add_argument("--similarity-min-shared", type=int, metavar="CHARACTERS", default=None,
                        help="and when they share at least this many normalised characters of code "
                             "(default: 150)")

    check = commands.add_parser("check", help="grade one notebook against the hidden tests")
    check.add_argument("notebook", type=Path)
    check.add_argument("--format", choices=("text", "json", "junit"), default="text",
                       help="the report: text (default), json, or junit (JUnit XML, for CI test reporters)")
    check.add_argument("--output", type=Path, metavar="FILE",
                       help="write the report to FILE (with json or junit, the text report still "
                            "goes to standard output, for the log)")

    commands.add_parser("demo", help="build, then load, grade and report the sample class "
                                     "of every chapter")

    audit = commands.add_parser("audit", help="mutation analysis: how many changed references the "
                                              "hidden tests of each exercise catch")
    audit.add_argument("chapters", nargs="*", metavar="CHAPTER", help="default: every chapter")
    audit.add_argument("--exercise", action="append", help="only this exercise (grade_id); repeatable")
    audit.add_argument("--limit", type=int, help="at most this many mutants per exercise")
    audit.add_argument("--table", action="store_true", help="end with the table of the README")
    audit.add_argument("--readme", action="store_true", help="every chapter, every mutant: write the "
                       "table into README.md, with the digest of the sources it was computed from")

    translations = commands.add_parser(
        "translations", help="the catalogues of the translated editions: bring them up to date "
                             "with the English notebooks, or check that they are complete")
    translations.add_argument("action", choices=("update", "check"))
    translations.add_argument("chapters", nargs="*", metavar="CHAPTER", help="default: every chapter")
    translations.add_argument("--language", default="zh_CN")

    export = commands.add_parser("export", help="chapters' grades as the grade import CSV of Canvas "
                                                "or Moodle (also: nbgrader export --exporter="
                                                "autograder.lms.CanvasExport or MoodleExport)")
    export.add_argument("chapters", nargs="+", metavar="CHAPTER", help="one column each")
    export.add_argument("--to", choices=("canvas", "moodle"), required=True)
    export.add_argument("--roster", type=Path, help="the CSV exported from the LMS's gradebook "
                        "(default: a row for every student of the gradebook)")
    export.add_argument("--output", type=Path, help="default: reports/canvas.csv or reports/moodle.csv")
    export.add_argument("--id-column", help="the roster column that holds the student id (Canvas "
                        "default: 'SIS Login ID'; Moodle: 'Username')")
    export.add_argument("--match", choices=("id", "email", "lms_user_id"),
                        help="what of nbgrader's student the id column holds (default: id)")
    export.add_argument("--percent", action="store_true", help="percent instead of points")
    export.add_argument("--no-submission", metavar="VALUE",
                        help="the cell of a student who did not submit (default: empty)")
    export.add_argument("--column", action="append", metavar="CHAPTER=HEADING",
                        help="the heading of a chapter's column (default: the chapter); repeatable")

    args = parser.parse_args(argv)
    scripts_on_path()
    try:
        root = find_root(args.root)
        if args.command == "build":
            from .build import build as run
            run(root, args.chapters or None)
        elif args.command == "sample":
            from .samples import write_sample_class
            for chapter in args.chapters:
                found = write_sample_class(root, chapter)
                print(f"{len(found)} sample submissions of {chapter} written to submitted/")
        elif args.command == "grade":
            from .batch.coordinator import grade as run
            return 1 if run(root, args.chapters, workers=args.workers, scheduler=args.scheduler,
                            force=args.force, progress=not args.no_progress,
                            dry_run=args.dry_run) else 0
        elif args.command == "report":
            from .report import report as run
            for number, chapter in enumerate(args.chapters):
                print("\n" * (number > 0), end="")
                run(root, chapter, args.similarity_threshold, args.similarity_min_shared)
        elif args.command == "demo":
            return demo(root)
        elif args.command == "audit":
            from .audit import report as run, table, write_readme
            from .course import chapters
            if args.readme and (args.chapters or args.exercise or args.limit):
                raise CourseError("--readme audits every chapter, exercise and mutant: "
                                  "give no CHAPTER, --exercise or --limit with it")
            results = {chapter: run(chapter, args.exercise, args.limit)
                       for chapter in args.chapters or chapters(root)}
            if args.table:
                print("\n" + table(results))
            if args.readme:
                write_readme(root, results)
                print(f"wrote the table into {root / 'README.md'}")
        elif args.command == "translations":
            from .editions import check_catalogues, update_catalogues
            if args.action == "update":
                for path in update_catalogues(root, args.language, args.chapters or None):
                    print(f"{path.relative_to(root)} brought up to date")
                return 0
            found = check_catalogues(root, args.language, args.chapters or None)
            for name, problems in found.items():
                for problem in problems:
                    print(f"{name}: {problem}")
            print(f"{sum(map(len, found.values()))} problems in {len(found)} catalogues")
            return 1 if any(found.values()) else 0
        elif args.command == "export":
            from .lms import export as run
            run(root, args.to, args.chapters, output=args.output, columns=args.column,
                roster=args.roster, id_column=args.id_column, student_key=args.match,
                scale="percent" if args.percent else None, no_submission=args.no_submission)
        elif args.command == "check":
            from .selfcheck import check as run
            got, total = run(root, args.notebook, args.format, args.output)
            return 0 if got == total else 1
    except CourseError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    return 0


def demo(root: Path) -> int:
    """Every step an instructor takes, on the bundled sample class of every chapter:
    build, load each class, grade them all in one batch, report each chapter."""
    from .build import build
    from .course import chapters
    from .batch.coordinator import grade
    from .report import report
    from .samples import write_sample_class

    build(root)
    classes = [chapter for chapter in chapters(root, editions=True) if (root / "samples" / chapter).is_dir()]
    if not classes:
        raise CourseError("no sample classes: expected samples/<chapter>/<student>.py")
    for chapter in classes:
        found = write_sample_class(root, chapter)
        print(f"{len(found)} sample submissions of {chapter} written to submitted/")
    print()
    failed = grade(root, classes)
    for chapter in classes:
        print(f"\n== {chapter} ==")
        report(root, chapter)
    return 1 if failed else 0
