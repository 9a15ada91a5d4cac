"""Where the course is: its root folder, its chapters, and running nbgrader in it."""
from __future__ import annotations

import contextlib
import copy
import functools
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


#: The translated editions: language -> the suffix of an edition's chapter id
#: ("01_numerical_zh" is chapter 01_numerical in zh_CN; see autograder.editions).
EDITIONS = {"zh_CN": "zh"}


def base_chapter(chapter: str) -> tuple[str, str | None]:
    """("01_numerical", "zh_CN") for "01_numerical_zh"; (chapter, None) for a source chapter."""
    for language, suffix in EDITIONS.items():
        if chapter.endswith(f"_{suffix}"):
            return chapter[: -len(suffix) - 1], language
    return chapter, None


def edition(chapter: str, language: str) -> str:
    """The chapter id of a chapter's edition in `language`: "01_numerical_zh" for zh_CN."""
    return f"{chapter}_{EDITIONS[language]}"


def chapters(root: Path, editions: bool = False) -> list[str]:
    """Chapter ids (nbgrader assignment ids), from the folders of solutions/: the English
    source chapters, and with `editions` the translated editions generated from them."""
    found = sorted(p.name for p in (root / "solutions").iterdir()
                   if p.is_dir() and any(p.glob("*.ipynb")))
    return found if editions else [chapter for chapter in found if base_chapter(chapter)[1] is None]


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


@contextlib.contextmanager
def working_in(folder: Path):
    """Run the block from `folder`, then go back to the caller's folder (if it could be
    entered: it may be closed to this account)."""
    here = os.getcwd() if os.access(".", os.R_OK | os.X_OK) else None
    os.chdir(folder)
    try:
        yield
    finally:
        if here:
            os.chdir(here)


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


# --- the configuration, as stock nbgrader finds it ---------------------------------------------
def config_layers(root: Path) -> list[Path]:
    """The configuration files stock nbgrader reads when it runs in the course root, in the
    order it applies them (a later one wins): `jupyter_config` and then `nbgrader_config`
    (each `.py`, then `.json`) of each of Jupyter's config folders (`jupyter --paths`; the
    first listed wins), and last the course root's own nbgrader_config. So a setting made
    for the whole machine (a `db_url` in /etc/jupyter) reaches every command of the
    course, and the course root's file has the last word. Relative folders in Jupyter's
    variables are taken from the course root, where stock nbgrader runs."""
    from jupyter_core.paths import jupyter_config_path

    folders = [Path(p) if Path(p).is_absolute() else root / p for p in reversed(jupyter_config_path())]
    found = [folder / f"{name}{suffix}" for name in ("jupyter_config", "nbgrader_config")
             for folder in folders for suffix in (".py", ".json")]
    found += [root / "nbgrader_config.py", root / "nbgrader_config.json"]
    layers: list[Path] = []
    for path in found:
        if path.is_file():
            # A file met twice (a folder listed twice, a link to the root's file) counts
            # where it comes last, as the last load of it wins in nbgrader.
            layers = [p for p in layers if p.resolve() != path.resolve()] + [path]
    return layers


#: Sections of a Jupyter configuration that grading never reads (servers' tokens and the
#: like): left out of what travels to the workers.
_NOT_FOR_GRADING = ("ServerApp", "NotebookApp", "LabApp", "LabServerApp", "IdentityProvider",
                    "PasswordIdentityProvider", "JupyterHub", "Spawner", "Authenticator")


def load_config(root: Path):
    """The traitlets Config of the course (see `config_layers`), read once for as long as
    its files do not change (a copy: the caller may change it)."""
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in config_layers(root))
    return copy.deepcopy(_load(key))


def grading_config(root: Path):
    """The course's configuration as a grading worker gets it: every setting grading may
    read, without the gradebook's address (a worker grades into a private gradebook, and
    a `db_url` may carry a password) or the servers' sections."""
    config = load_config(root)
    config.get("CourseDirectory", {}).pop("db_url", None)
    for section in _NOT_FOR_GRADING:
        config.pop(section, None)
    return config


@functools.lru_cache(maxsize=16)
def _load(key: tuple):
    from traitlets.config import Config
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    config = Config()
    for path, _, _ in key:
        path = Path(path)
        loader = JSONFileConfigLoader if path.suffix == ".json" else PyFileConfigLoader
        try:
            config.merge(loader(path.name, path=str(path.parent)).load_config())
        except Exception as exc:  # noqa: BLE001 (any error of the file's own code)
            raise CourseError(f"the configuration file {path} cannot be read: "
                              f"{type(exc).__name__}: {exc}") from None
    return config
