"""`autograder grade`: autograde a chapter's submissions and write their feedback.

The command is the coordinator of a batch. It reads each submission into a `Job`
(autograder.batch.worker), hands the jobs to workers (processes on this machine, or a
Dask cluster), and as each result comes back writes the student's autograded
notebook and feedback and records the scores in the gradebook, once
(autograder.batch.gradebook). Workers run stock nbgrader (`autograde`, then
`generate_feedback`) with the course's configuration, so the scores are the ones
`nbgrader autograde` gives in the course root.

A submission whose result is already in the gradebook, for the same files and the
same chapter and configuration, is not graded again (`--force` regrades all), so a
batch that was stopped is finished by running the same command again.

A submission graded again gets its new scores compared with the recorded ones before
they replace them (autograder.batch.regrade): who changed, by how much, on which tests.
`dry_run` grades what would be graded and shows that diff, but records nothing.
"""
from __future__ import annotations

import hashlib
import html
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import nbformat

from ..course import CourseError, grading_config, notebook_name, working_in
from .gradebook import (course_db_url, course_id, manual_grades, open_gradebook,
                        quiet_sqlalchemy_warnings, record, record_ungraded, recorded, snapshot)
from ..scores import read_scores
from ..text import shown
from . import regrade
from .pools import run_dask, run_local
from .worker import Job, Result, submission_files


def submissions(root: Path, chapter: str) -> list[str]:
    """Student ids with a submission folder for `chapter` in submitted/."""
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{chapter}") if p.is_dir())


def unreadable(root: Path, chapter: str, student: str, files: dict[str, bytes],
               left_out: list[str]) -> str | None:
    """Why the student's notebook (of `files`, as read) cannot be graded, or None if it can be tried."""
    name = notebook_name(root, chapter)
    if name not in files:
        why = [line for line in left_out if line.startswith(shown(name) + " (")]
        if why:
            return f"the notebook {why[0]}"
        others = sorted(line.split(" (")[0] for line in left_out if line.split(" (")[0].endswith(".ipynb"))
        found = f"found {', '.join(others)} (renamed?)" if others else "found no notebook"
        return f"the notebook was not found: expected {name}, {found}"
    try:
        nbformat.reads(files[name].decode("utf-8"), as_version=4)
    except (ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return f"the notebook is not readable as a Jupyter notebook ({first})"
    return None


def not_graded_page(root: Path, chapter: str, student: str, reason: str) -> None:
    """The feedback page of a submission that could not be graded: why, and what to do."""
    name = notebook_name(root, chapter)
    page = root / "feedback" / student / chapter / name.replace(".ipynb", ".html")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{chapter}: not graded</title>"
        f"</head><body><h1>{chapter}: your submission could not be graded</h1>"
        f"<p>{html.escape(reason)}.</p><p>It scores 0 points. Submit the notebook "
        f"<code>{html.escape(name)}</code> again, as a file saved by Jupyter.</p></body></html>\n",
        encoding="utf-8")


def ensure_assignments(root: Path, chapters: list[str], dry_run: bool = False) -> None:
    """Put the chapters that are not in the gradebook there (as generate_assignment does);
    a dry run, which writes nothing, says which are missing instead."""
    from nbgrader.api import MissingEntry
    from sqlalchemy.engine import make_url

    url = make_url(course_db_url(root))
    if dry_run and url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        raise CourseError(f"there is no gradebook ({url.database}) yet, and --dry-run records nothing: "
                          f"run `autograder build {' '.join(chapters)}` first")
    missing = []
    with open_gradebook(course_db_url(root), course_id(root), journal=not dry_run) as gb:
        for chapter in chapters:
            try:
                gb.find_assignment(chapter)
            except MissingEntry:
                missing.append(chapter)
    if missing and dry_run:
        raise CourseError(f"{', '.join(missing)} not in the gradebook yet, and --dry-run records "
                          f"nothing: run `autograder build {' '.join(missing)}` first")
    if missing:
        from ..build import build
        build(root, missing, quiet=True)


@dataclass
class Batch:
    """What one run of `grade` did, for its summary."""
    total: int
    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)      # student -> why
    flagged: dict[str, str] = field(default_factory=dict)     # student -> what happened
    up_to_date: list[str] = field(default_factory=list)
    cell_seconds: float = 0.0
    sandbox: dict = field(default_factory=dict)   # the protections printed at the start
    reported: set = field(default_factory=set)    # weakenings already printed (in any chapter)
    regraded: list = field(default_factory=list)  # regrade.Regrade of each submission graded


#: nbgrader's CourseDirectory.ignore: never part of a submission, and not worth a line in the log.
IGNORE = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")


#: Submissions that make a worker of its own worth starting: a worker process takes about
#: as long to start (imports, its fork server's warm-up) as two submissions take to grade, so
#: a small batch is graded faster, and with half the CPU, by fewer workers.
JOBS_PER_WORKER = 6


def default_workers(jobs: int) -> int:
    """Workers for `jobs` submissions when --workers is not given: the machine's cores, but
    no more than one per JOBS_PER_WORKER submissions (one for a batch of up to 6)."""
    return max(1, min(os.cpu_count() or 1, -(-jobs // JOBS_PER_WORKER)))


def grade(root: Path, chapters: str | list[str], workers: int | None = None, scheduler: str | None = None,
          force: bool = False, progress: bool = True, dry_run: bool = False) -> int:
    """Grade the submissions of each of `chapters` (one chapter's name, or several, graded
    in one batch); return the number that could not be graded. With `dry_run`, grade the
    same submissions and show how their scores would change, recording nothing (the
    gradebook, its journal, autograded/ and feedback/ stay as they were)."""
    quiet_sqlalchemy_warnings()
    root = Path(root).resolve()
    chapters = [chapters] if isinstance(chapters, str) else list(dict.fromkeys(chapters))
    students = {chapter: submissions(root, chapter) for chapter in chapters}
    for chapter, found in students.items():
        if not found:
            raise CourseError(
                f"no submissions of {chapter}: expected submitted/<student>/{chapter}/"
                f"{notebook_name(root, chapter)} (run `autograder sample {chapter}` to load the "
                "sample class, or collect submissions with nbgrader)")
    if workers is not None and workers < 1:
        raise CourseError(f"--workers must be at least 1, not {workers}")
    ensure_assignments(root, chapters, dry_run)
    start = time.perf_counter()
    from ..sandbox.confine import probe
    batch_sandbox = probe()
    print("sandbox: " + "; ".join(f"{k} {v}" for k, v in batch_sandbox.items())
          + (" (on this machine; the Dask workers' own are printed as they differ)" if scheduler else ""),
          flush=True)
    url, course = course_db_url(root), course_id(root)
    jobs, batches, reported = [], {}, set()
    for chapter in chapters:
        planned, batches[chapter] = _plan(root, chapter, students[chapter], url, course, force,
                                          several=len(chapters) > 1, dry_run=dry_run)
        batches[chapter].sandbox, batches[chapter].reported = batch_sandbox, reported
        jobs += planned
    everyone = sum(len(found) for found in students.values())
    if workers is None:
        workers = default_workers(len(jobs))
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{min(workers, max(len(jobs), 1))} workers"
    up_to_date = sum(len(b.up_to_date) for b in batches.values())
    print(f"grading {len(jobs)} of {everyone} submissions of {', '.join(chapters)} with {where}"
          + (f" ({up_to_date} already graded: --force grades them again)" if up_to_date else "")
          + (" (dry run: nothing is recorded)" if dry_run else "") + " ...", flush=True)
    results = run_dask(jobs, scheduler) if scheduler else run_local(jobs, workers)
    with working_in(root):  # the workers start here: the caller's folder may be closed to them
        _collect(root, url, course, jobs, results, batches, progress, dry_run)
    seconds = time.perf_counter() - start
    when = regrade.stamp()
    for chapter in chapters:
        if len(chapters) > 1:
            print(f"\n{chapter}:")
        ran = sum(job.chapter == chapter for job in jobs)
        _summary(root, chapter, students[chapter], batches[chapter], ran, seconds if len(chapters) == 1 else None,
                 dry_run)
        _regrade_report(root, chapter, batches[chapter].regraded, when, dry_run)
    if len(chapters) > 1:
        each = f" ({seconds / len(jobs):.2f} s each)" if jobs else ""
        print(f"\n{len(chapters)} chapters: {len(jobs)} submissions run in {seconds:.1f} s{each}")
    return sum(len(b.failed) for b in batches.values())


def grader_files() -> dict[str, Path]:
    """Every source file of the grading code (this package whole, and the student-side
    one), by its path from the folder that holds the packages."""
    import adcourse

    found = {}
    for package in (Path(__file__).resolve().parents[1], Path(adcourse.__file__).resolve().parent):
        for path in sorted(package.rglob("*.py")):
            found[path.relative_to(package.parent).as_posix()] = path
    return found


def grader_digest() -> str:
    """A digest of the grading code: a change to any of `grader_files` grades again."""
    digest = hashlib.sha256()
    for name, path in grader_files().items():
        digest.update(name.encode() + path.read_bytes())
    return digest.hexdigest()


def _canonical(value) -> str:
    """A text that is the same for equal configurations (sections and keys sorted)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_canonical(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_canonical(v) for v in value) + "]"
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def _plan(root: Path, chapter: str, students: list[str], url: str, course: str,
          force: bool, several: bool = False, dry_run: bool = False) -> tuple[list[Job], Batch]:
    """One job per submission to grade; unreadable ones are recorded as zero at once
    (in a dry run, only compared with what is recorded)."""
    data, digest = snapshot(url, course, chapter)
    config = (root / "nbgrader_config.py").read_text(encoding="utf-8")
    settings = grading_config(root)
    base = hashlib.sha256(f"{digest}|{grader_digest()}|{_canonical(settings)}".encode()).hexdigest()
    source = root / "solutions" / chapter
    source_files = {p.relative_to(source).as_posix(): p.read_bytes() for p in sorted(source.rglob("*"))
                    if p.is_file() and p.suffix != ".ipynb" and not p.is_symlink()
                    and not any(part in IGNORE or part.endswith(".pyc") for part in p.relative_to(source).parts)}
    name = notebook_name(root, chapter)
    batch, jobs = Batch(total=len(students)), []
    with open_gradebook(url, course, journal=not dry_run) as gb:
        done = {} if force else recorded(gb, chapter)
        for student in students:
            folder = root / "submitted" / student / chapter
            files, left_out = submission_files(folder, {name}, IGNORE)
            fingerprint = hashlib.sha256(base.encode() + b"".join(
                hashlib.sha256(k.encode() + b"\0" + v).digest() for k, v in sorted(files.items()))).hexdigest()
            page = root / "feedback" / student / chapter / name.replace(".ipynb", ".html")
            known, status = done.get(student, ("", ""))
            if known == fingerprint and page.is_file():
                # Recorded before, for these very files: reported, not graded again.
                if status.startswith("not graded: "):
                    batch.failed[student] = status.removeprefix("not graded: ")
                else:
                    batch.up_to_date.append(student)
                    if status.startswith("stopped: "):
                        batch.flagged[student] = status.removeprefix("stopped: ")
                continue
            why = unreadable(root, chapter, student, files, left_out)
            if why:
                batch.regraded.append(regrade.compare(gb, chapter, student, {}))
                if not dry_run:
                    record_ungraded(gb, chapter, student, fingerprint, why)
                    shutil.rmtree(root / "autograded" / student / chapter, ignore_errors=True)
                    not_graded_page(root, chapter, student, why)
                batch.failed[student] = why
                continue
            if left_out:
                who = f"{chapter}/{shown(student)}" if several else shown(student)
                print(f"  {who}: left out of grading: {'; '.join(left_out)}", flush=True)
            jobs.append(Job(chapter=chapter, student=student, files=files, snapshot=data,
                            config=config, settings=settings, course_id=course, fingerprint=fingerprint,
                            source_files=source_files, manual=manual_grades(gb, chapter, student)))
    return jobs, batch


# --- results into the course ----------------------------------------------------------------------
def _collect(root: Path, url: str, course: str, jobs: list[Job],
             results: Iterator[tuple[Job, Result | BaseException]], batches: dict[str, Batch],
             progress: bool, dry_run: bool = False) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="nb", desc="graded", file=sys.stderr, dynamic_ncols=True,
               disable=not progress or not jobs, mininterval=0.5 if sys.stderr.isatty() else 15)
    several = len(batches) > 1
    try:
        with open_gradebook(url, course, journal=not dry_run) as gb:
            for job, outcome in results:
                batch = batches[job.chapter]
                # The recorded scores are read just before they are replaced: a score
                # entered by hand meanwhile is in both.
                change = regrade.compare(gb, job.chapter, job.student,
                                         {} if _failure(outcome) else outcome.notebooks)
                batch.regraded.append(change)
                if dry_run:
                    _count(job, outcome, batch)
                else:
                    if change.changed:
                        who = f"{job.chapter}/" if several else ""
                        bar.write(f"  changed: {who}{regrade.line(change)}", file=sys.stdout)
                    _store(root, gb, job, outcome, batch)
                bar.set_postfix(failed=sum(len(b.failed) for b in batches.values()),
                                flagged=sum(len(b.flagged) for b in batches.values()), refresh=False)
                bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        done = "nothing recorded (dry run)" if dry_run else \
            f"{sum(len(b.graded) for b in batches.values())} results recorded"
        print(f"\ninterrupted: {done}; run the same command again to grade the rest", file=sys.stderr)
        raise
    bar.close()


def _failure(outcome: Result | BaseException) -> str | None:
    """Why a job's outcome is no result, or None for a result."""
    if isinstance(outcome, BaseException):
        return f"the grader failed ({type(outcome).__name__}: {outcome})"
    return f"nbgrader could not grade it ({outcome.error})" if outcome.error else None


def _store(root: Path, gb, job: Job, outcome: Result | BaseException, batch: Batch) -> None:
    student, chapter = job.student, job.chapter
    reason = _failure(outcome)
    if reason:
        # Zero now (no older result may stand), but not journaled: the next run tries again.
        record_ungraded(gb, chapter, student, job.fingerprint, reason, journal=False)
        shutil.rmtree(root / "autograded" / student / chapter, ignore_errors=True)
        not_graded_page(root, chapter, student, reason)
    else:
        _replace_folder(root / "autograded" / student / chapter, outcome.autograded)
        _replace_folder(root / "feedback" / student / chapter, outcome.feedback)
        record(gb, outcome)
    _count(job, outcome, batch)


def _count(job: Job, outcome: Result | BaseException, batch: Batch) -> None:
    """What the outcome adds to the batch's summary (all a dry run does with it)."""
    reason = _failure(outcome)
    if reason:
        batch.failed[job.student] = reason
        return
    _report_weakening(outcome, batch)
    batch.graded.append(job.student)
    batch.cell_seconds += outcome.cell_seconds
    if outcome.stopped:
        batch.flagged[job.student] = outcome.stopped


def _report_weakening(outcome: Result, batch: Batch) -> None:
    """Print, once each, what a worker's kernels had less of than the batch's first line says,
    and what its fork server could not preload: a weaker sandbox is never silent."""
    weaker = {k: v for k, v in outcome.sandbox.items() if batch.sandbox.get(k) != v}
    if weaker:
        line = (f"  sandbox on worker {shown(outcome.worker)}: "
                + "; ".join(f"{k} {shown(v)}" for k, v in sorted(weaker.items())))
        if line not in batch.reported:
            batch.reported.add(line)
            print(line, flush=True)
    if outcome.not_preloaded:
        line = (f"  fork server of worker {shown(outcome.worker)} could not preload "
                f"{shown(', '.join(outcome.not_preloaded), 500)}: its kernels start slower")
        if line not in batch.reported:
            batch.reported.add(line)
            print(line, flush=True)


def _replace_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` as the whole content of `folder`, replacing what was there at once."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = folder.parent / f".{folder.name}.new-{uuid.uuid4().hex[:8]}"
    for name, data in files.items():
        path = fresh / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    fresh.mkdir(exist_ok=True)
    old = folder.parent / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _summary(root: Path, chapter: str, students: list[str], batch: Batch, ran: int,
             seconds: float | None, dry_run: bool = False) -> None:
    """The chapter's scores and what this run did; with `seconds`, how long it took. A dry
    run has no scores of its own to list: the gradebook holds the ones it did not replace."""
    if not dry_run:
        _, maximum, rows = read_scores(root, chapter)
        total = sum(maximum.values())
        for row in rows:
            if row.student in students:
                print(f"  {shown(row.student):<28} {row.total:5.1f} / {total:g}")
    graded = len(batch.graded) + len(batch.up_to_date)
    took = "" if seconds is None else f" in {seconds:.1f} s" + (f" ({seconds / ran:.2f} s each)" if ran else "")
    where = ("nothing recorded: the gradebook, autograded/ and feedback/ are as they were" if dry_run
             else "feedback in feedback/")
    print(f"{'dry run: ' if dry_run else ''}graded {graded} of {batch.total} submissions{took}; "
          f"this run: {len(batch.graded)} graded, {len(batch.failed)} failed, "
          f"{len(batch.flagged)} flagged, {len(batch.up_to_date)} already graded; {where}")
    for student, stopped in sorted(batch.flagged.items()):
        print(f"  STOPPED EARLY: {shown(student)}: {shown(stopped, 500)}; the tests after it score 0")
    for student, why in sorted(batch.failed.items()):
        print(f"  NOT GRADED: {shown(student)}: {shown(why, 500)}; it scores 0"
              + ("" if dry_run else " and its feedback says why"))


def _regrade_report(root: Path, chapter: str, entries: list, when: str, dry_run: bool) -> None:
    """The diff of the chapter's regraded submissions, printed and written as CSV; nothing
    for a batch that graded only new submissions (a first grading), unless a dry run."""
    if not entries or not (dry_run or any(e.old is not None for e in entries)):
        return
    print(f"\nregrade of {chapter}" + (" (dry run: nothing recorded)" if dry_run else "") + ":")
    print("\n".join("  " + text for text in regrade.table(entries).splitlines()))
    if regrade.listed(entries):
        path = regrade.write_csv(root, chapter, entries, when, dry_run)
        print(f"  written to {path.relative_to(root)}")
