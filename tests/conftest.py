"""Shared fixtures: the repository root, a scratch copy of the course, a PostgreSQL server."""
from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile("course", max_examples=60, deadline=None)
settings.load_profile("course")

#: What a scratch course needs: the nbgrader source, the generated course, the samples,
#: and the catalogues its translated editions are built from.
COURSE_FILES = ("nbgrader_config.py", "solutions", "course", "samples", "translations")


def _is_edition(folder: str) -> bool:
    from autograder.course import base_chapter

    return base_chapter(folder)[1] is not None


def _editions_left_out(source: Path):
    """copytree's `ignore` that leaves out the editions' folders at the top of `source`."""
    def ignore(folder, names):
        return [name for name in names if _is_edition(name)] if Path(folder) == source else []
    return ignore


def copy_course(target: Path, built: bool = False, editions: bool = False) -> Path:
    """A scratch copy of the course at `target`. With `built`, its gradebook already holds
    every chapter, as after `autograder build` (which the first `grade` of a chapter
    otherwise runs): for tests about grading, not about setting a course up. Without
    `editions`, the copy is of the English course alone (no translated edition: no
    catalogues, no solutions/*_zh, course/*_zh, samples/*_zh), which builds in half the time."""
    for name in COURSE_FILES:
        source = ROOT / name
        if name == "translations" and not editions:
            continue
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=None if editions else _editions_left_out(source))
        else:
            shutil.copy(source, target / name)
    # Its own gradebook, whatever a configuration of this machine names (Jupyter's config
    # folders reach the course's commands, as they reach nbgrader's).
    with open(target / "nbgrader_config.py", "a", encoding="utf-8") as config:
        url = f"sqlite:///{target / 'gradebook.db'}"
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    if built:
        shutil.copy(_built_gradebook(), target / "gradebook.db")
    return target


@functools.cache
def _built_gradebook() -> Path:
    """The gradebook `autograder build` makes for the whole course, made once per process."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-built-course-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    autograder(copy_course(folder), "build")
    return folder / "gradebook.db"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session (see tests/postgres.py)."""
    from .postgres import Server, binaries

    bindir = binaries()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs Debian's postgresql package")
        pytest.skip("needs Debian's postgresql package (apt-get install postgresql)")
    server = Server(bindir)
    yield server
    server.stop()


def autograder(root: Path, *args: str, check: bool = True, timeout: float = 900,
               **kwargs) -> subprocess.CompletedProcess:
    """Run the `autograder` command on the course at `root`."""
    result = subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), *args],
                            text=True, capture_output=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def keep_samples(root: Path, chapter: str, students: set[str]) -> None:
    """Leave only these students in the scratch course's sample class of `chapter`."""
    for path in (root / "samples" / chapter).glob("*.py"):
        if path.stem not in students:
            path.unlink()


def assert_graded_as_declared(root: Path, chapter: str, students: set[str]) -> None:
    """Each sample lost points on the exercises its file (in the scratch course at `root`)
    declares, and nowhere else."""
    from autograder.samples import samples
    from autograder.scores import exercise_of, read_scores

    declared = {s.student: s.loses for s in samples(root, chapter)}
    names, maximum, rows = read_scores(root, chapter)
    rows = {r.student: r for r in rows}
    assert set(rows) == students, f"graded {sorted(rows)}, expected {sorted(students)}"
    cell_max = _cell_maxima(root, chapter)
    for student in students:
        loses = declared[student]
        for cell, score in rows[student].cells.items():
            owner = exercise_of(cell, names)
            if "*" in loses:
                assert score == 0.0, (student, cell, score)
            elif owner not in loses and cell not in loses and not owner.startswith("written"):
                assert score == cell_max[cell], (student, cell, score)


def _cell_maxima(root: Path, chapter: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    from autograder.batch.gradebook import course_db_url, course_id

    with Gradebook(course_db_url(root), course_id(root)) as gb:
        return {cell.name: cell.max_score for notebook in gb.find_assignment(chapter).notebooks
                for cell in notebook.grade_cells}

