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

    grade = commands.add_parser("grade", help="autograde a chapter's submissions, write feedback "
                                              "(several chapters: one batch)")
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

    report = commands.add_parser("report", help="per-student, per-exercise table, CSV and PNG")
    report.add_argument("chapters", nargs="+", metavar="chapter")

    check = commands.add_parser("check", help="grade one notebook against the hidden tests")
    check.add_argument("notebook", type=Path)

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
                            force=args.force, progress=not args.no_progress) else 0
        elif args.command == "report":
            from .report import report as run
            for number, chapter in enumerate(args.chapters):
                print("\n" * (number > 0), end="")
                run(root, chapter)
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
        elif args.command == "check":
            from .selfcheck import check as run
            got, total = run(root, args.notebook)
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
