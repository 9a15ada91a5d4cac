"""The student package (deploy/student-package/) built, and a student's Python environment.

A classroom's student image installs the student package and what it depends on, never
the course: `student_site` makes that environment from this test environment, for
another account (`nobody`) to run with PYTHONPATH: every distribution installed here
except the course itself (its editable-install finder and .pth, its metadata, any
`autograder` or `adcourse`), hard-linked where the file system allows, plus the student
wheel installed with `pip install --no-deps --target`. Nothing in it points into the
checkout, so it works when the checkout lives in a folder other accounts cannot enter.
"""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from .conftest import ROOT

STUDENT_PACKAGE = ROOT / "deploy" / "student-package"
#: Top-level names that belong to the course, whatever installed them.
COURSE_PACKAGES = {"adcourse", "autograder"}


def adcourse_files() -> list[str]:
    """The checkout's adcourse package, file by file (paths inside it, its subpackages included)."""
    package = ROOT / "adcourse"
    return sorted(path.relative_to(package).as_posix() for path in package.rglob("*.py")
                  if "__pycache__" not in path.parts)


def adcourse_modules() -> list[str]:
    """The modules and subpackages directly in adcourse, as pkgutil lists them."""
    return sorted({name.split("/")[0].removesuffix(".py") for name in adcourse_files()} - {"__init__"})


def build_wheel(out: Path) -> Path:
    """The student package's wheel, built from the checkout into `out` (no network)."""
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation",
                             "--no-deps", "--no-index", str(STUDENT_PACKAGE), "-w", str(out)],
                            check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    (wheel,) = out.glob("autodiff_course_student-*.whl")
    return wheel


def install_wheel(wheel: Path, target: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                             "--target", str(target), str(wheel)],
                            check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip install --target failed:\n{result.stdout}\n{result.stderr}"


def course_entries(site: Path) -> set[str]:
    """Names in `site` that the course's own installation put there."""
    names = set(COURSE_PACKAGES)
    for dist in importlib.metadata.distributions(path=[str(site)]):
        if dist.metadata["Name"] == "autodiff-course":
            for file in dist.files or []:
                if file.parts and file.parts[0] != "..":
                    names.add(file.parts[0])
    return {n for n in names if n != "__pycache__"}


def student_site(target: Path, wheel: Path | None) -> Path:
    """A site folder with the student wheel and this environment's packages but the course's.

    Without a wheel: only the packages, what the student package depends on among them.
    """
    target.mkdir(parents=True)
    if wheel is not None:
        install_wheel(wheel, target)
    site = Path(sysconfig.get_paths()["purelib"])
    skip = course_entries(site)
    stems = {name.split(".", 1)[0] for name in skip}
    for entry in os.scandir(site):
        if entry.name in skip or (target / entry.name).exists():
            continue
        if entry.name == "__pycache__":
            link_tree(Path(entry.path), target / entry.name,
                       keep=lambda name: name.split(".", 1)[0] not in stems)
        elif entry.is_dir(follow_symlinks=False):
            link_tree(Path(entry.path), target / entry.name)
        else:
            _link(Path(entry.path), target / entry.name)
    os.chmod(target, 0o755)
    return target


def link_tree(source: Path, target: Path, keep=lambda name: True) -> None:
    for folder, dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(mode=0o755, exist_ok=True)
        for name in files:
            if relative != Path(".") or keep(name):
                _link(Path(folder, name), target / relative / name)
        for name in list(dirs):
            if Path(folder, name).is_symlink():
                dirs.remove(name)
                _link(Path(folder, name), target / relative / name)


def _link(source: Path, target: Path) -> None:
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:  # another file system, or links refused: a copy
        shutil.copy2(source, target)


def same_python(python: Path) -> bool:
    """`python` runs the Python version of this one (and so can run its packages)."""
    if not python.is_file():
        return False
    version = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                             check=False, capture_output=True, text=True).stdout.strip()
    return version == str(tuple(sys.version_info[:2]))


def installed_with(requirements: list[str]) -> set[str]:
    """Names of the distributions that installing `requirements` brings (as installed here),
    the extras they ask for included (nbconvert's `bleach[css]` brings tinycss2)."""
    from packaging.requirements import Requirement

    names, seen = set(), set()
    todo = [(Requirement(r), frozenset({""})) for r in requirements]
    while todo:
        requirement, extras_of_requirer = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": extra})
                                          for extra in extras_of_requirer):
            continue
        name = requirement.name.lower().replace("_", "-")
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(name)
        try:
            todo += [(Requirement(r), frozenset({"", *requirement.extras}))
                     for r in importlib.metadata.requires(requirement.name) or []]
        except importlib.metadata.PackageNotFoundError:
            pass
    return names


def link_distributions(names: set[str], target: Path) -> None:
    """The files of these distributions installed here (what their RECORD lists inside the
    site folder), hard-linked (or copied) into the site folder `target`."""
    site = Path(sysconfig.get_paths()["purelib"])
    for dist in importlib.metadata.distributions(path=[str(site)]):
        if dist.metadata["Name"].lower().replace("_", "-") not in names:
            continue
        for file in dist.files or []:
            if file.parts and file.parts[0] != ".." and (site / file).is_file():
                (target / file).parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                if not (target / file).exists():
                    _link(site / file, target / file)
