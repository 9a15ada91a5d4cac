"""Where the course is: its root folder, its chapters, and running nbgrader in it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class CourseError(Exception):
    """A problem with the course layout or a command's input, said for people."""


def find_root(start: Path | None = None) -> Path:
    """The course root: the nearest folder upward with nbgrader_config.py and solutions/."""
    start = Path(start or os.environ.get("AUTOGRADER_ROOT") or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    raise CourseError(f"no course root above {start}: run the command inside the course "
                      "repository (the folder with nbgrader_config.py and solutions/), "
                      "or set AUTOGRADER_ROOT")


def chapters(root: Path) -> list[str]:
    """Chapter ids (nbgrader assignment ids), from the folders of solutions/."""
    return sorted(p.name for p in (root / "solutions").iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")))


def notebook_name(root: Path, chapter: str) -> str:
    """The file name of the chapter's one notebook, e.g. "numerical.ipynb"."""
    notebooks = sorted((root / "solutions" / chapter).glob("*.ipynb"))
    if not notebooks:
        known = ", ".join(chapters(root)) or "none"
        raise CourseError(f"unknown chapter {chapter!r}; the chapters are: {known}")
    if len(notebooks) > 1:
        raise CourseError(f"chapter {chapter} has several notebooks ({[p.name for p in notebooks]}); "
                          "the course keeps one notebook per chapter")
    return notebooks[0].name


def scripts_on_path() -> None:
    """Put this interpreter's scripts folder first on PATH.

    nbgrader's gradebook starts `alembic` (its database migrations) by name, which
    fails when the virtual environment is used without being activated.
    """
    scripts = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


def nbgrader(root: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """Run a stock nbgrader command in the course root, with this interpreter."""
    scripts_on_path()
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root,
                          text=True, capture_output=capture)
