"""House rules of the repository: clean notebooks, fresh generated files, one contract."""
from __future__ import annotations

import ast
import filecmp
import inspect
import re
import tomllib

import nbformat
import pytest
import yaml

from autograder.build import build
from autograder.course import chapters
from autograder.notebook import code_answer_cells as answer_cells
from autograder.sync import solution_sources, sync_notebook

from .conftest import ROOT, copy_course

NOTEBOOKS = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("course/*/*.ipynb"))
CURRICULUM = ROOT.parent / "shared" / "CURRICULUM.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_carry_no_outputs_or_execution_counts(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path}: cell {cell.id}"


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_solution_cells_are_generated_from_the_reference_module(chapter):
    path = next((ROOT / "solutions" / chapter).glob("*.ipynb"))
    sources = solution_sources(chapter)
    cells = dict(answer_cells(nbformat.read(path, as_version=4)))
    stale = sync_notebook(path, chapter, write=False)
    assert not stale, f"run `autograder build`: cells out of date (solution source or test tag): {stale}"
    assert set(sources) <= set(cells), "every reference function has its answer cell"


def test_course_folder_is_what_the_build_produces_now(tmp_path):
    scratch = copy_course(tmp_path, editions=True)
    build(scratch, quiet=True)
    comparison = filecmp.dircmp(ROOT / "course", scratch / "course")
    stale = []

    def walk(cmp, prefix=""):
        stale.extend(prefix + n for n in cmp.left_only + cmp.right_only + cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(comparison)
    assert not stale, f"course/ is stale, run `autograder build`: {stale}"


@pytest.mark.parametrize("path", sorted(ROOT.glob("course/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_student_notebooks_hold_no_solution_or_hidden_test(path):
    text = path.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.cases", "compare("):
        assert marker not in text
    for source in solution_sources(path.parent.name).values():
        body = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
        for line in body.strip().splitlines():
            if len(line.strip()) > 25:
                assert line.strip() not in text, f"solution line in {path.name}: {line.strip()}"


@pytest.mark.parametrize("path", sorted(ROOT.glob("course/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_student_notebooks_import_nothing_of_the_grader(path):
    """A student's Jupyter has `adcourse` only (deploy/student-package): no code cell of a
    student notebook, a visible test included, may import `autograder`."""
    import ast

    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "autograder" for n in names), f"cell {index} imports {names}"


def _requirements(specs):
    return {re.split(r"[<>=!~ ]", s, maxsplit=1)[0].lower(): s.replace(" ", "") for s in specs}


def test_environment_yml_matches_the_pip_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    from_pip = [d for d in pip_section if not d.startswith("-")]  # packages conda-forge lacks
    assert _requirements(conda + from_pip) == _requirements(project["dependencies"])
    assert "-e ." in pip_section, "environment.yml installs the project itself"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_the_student_package_depends_only_on_what_the_course_depends_on():
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    student = tomllib.loads((ROOT / "deploy" / "student-package" / "pyproject.toml").read_text())["project"]
    assert student["name"] != course["name"], "the student package is a distribution of its own"
    for key in ("version", "requires-python", "license"):
        assert student[key] == course[key], f"{key}: {student[key]!r}, the course has {course[key]!r}"
    normal = {s.replace(" ", "") for s in course["dependencies"]}
    extra = [s for s in student["dependencies"] if s.replace(" ", "") not in normal]
    assert not extra, f"the student package's dependencies must be the course's, with the same versions: {extra}"
    assert "scripts" not in student, "the grader's commands are not the students'"


def test_grading_outputs_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    for name in ("submitted/", "autograded/", "feedback/", "gradebook.db", ".venv/"):
        assert name in ignored


def _curriculum_tables():
    """{chapter: [(exercise, signature)]} from the shared curriculum's tables."""
    tables, chapter = {}, None
    for line in CURRICULUM.read_text(encoding="utf-8").splitlines():
        if (m := re.match(r"## (\d\d_\w+)", line)):
            chapter = m.group(1)
            tables[chapter] = []
        elif chapter and (m := re.match(r"\| `(\w+)` \| `([^`]+)` \|", line)):
            tables[chapter].append((m.group(1), m.group(2)))
    return tables


@pytest.mark.skipif(not CURRICULUM.is_file(), reason="needs ../shared/CURRICULUM.md beside the repository")
@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_every_curriculum_exercise_exists_with_its_signature_and_tests(chapter):
    exercises = _curriculum_tables()[chapter]
    assert exercises, f"the curriculum lists no exercises for {chapter}"
    nb = nbformat.read(next((ROOT / "solutions" / chapter).glob("*.ipynb")), as_version=4)
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    from autograder.sync import reference_module
    module = reference_module(chapter)
    for name, signature in exercises:
        assert name in grade_ids, f"no answer cell with grade_id {name}"
        assert any(g.startswith(f"test_{name}") for g in grade_ids), f"no test cell for {name}"
        if "(" in signature and signature.startswith(name):
            wanted = ast.parse(f"def {signature}: pass").body[0].args
            got = ast.parse(f"def {name}{inspect.signature(getattr(module, name))}: pass").body[0].args
            assert ast.dump(wanted) == ast.dump(got), f"{name}: signature differs from {signature}"


def test_code_has_no_undefined_names_or_unused_imports():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--quiet",
                             "adcourse", "autograder", "tests", "bench", "nbgrader_config.py"],
                            check=False, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_over_350_lines_says_why_in_the_readme():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    long = [path.relative_to(ROOT).as_posix() for folder in ("adcourse", "autograder")
            for path in sorted((ROOT / folder).rglob("*.py"))
            if len(path.read_text(encoding="utf-8").splitlines()) > 350]
    unexplained = [path for path in long if f"`{path}`" not in section]
    assert not unexplained, f"over 350 lines, and the README's layout section does not say why: {unexplained}"


def _layout_rows() -> dict[str, str]:
    """The README's layout table: path -> what it says about it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = line.split(" | ")
        if line.startswith("| `") and len(cells) >= 2:
            rows[cells[0].removeprefix("| ").strip("`")] = line
    return rows


def test_the_readme_layout_table_names_every_module_of_the_grader_in_its_folder():
    rows = _layout_rows()
    missing = []
    for folder in [ROOT / "autograder", *sorted(p for p in (ROOT / "autograder").iterdir()
                                                  if p.is_dir() and (p / "__init__.py").is_file())]:
        key = folder.relative_to(ROOT).as_posix() + "/"
        if key not in rows:
            missing.append(f"no row for {key}")
            continue
        if folder.name in ("reference", "cases", "hidden"):  # one module per chapter, said so
            assert "one module per chapter" in rows[key], key
            continue
        for module in sorted(folder.glob("*.py")):
            if module.name not in ("__init__.py", "__main__.py") and f"`{module.name}`" not in rows[key]:
                missing.append(f"{key}{module.name} is not in its row")
    assert not missing, missing
    for path in rows:
        first = path.split("`, `")[0].split("/<")[0]
        assert (ROOT / first).exists() or first in ("submitted/", "gradebook.db"), f"{path}: not in the tree"


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_a_demonstration_that_grading_skips_defines_nothing_a_later_cell_uses(chapter):
    """Grading does not run a cell tagged `demonstration` (autograder.execute): it must be
    outside nbgrader's cells, and no later code cell may read a name it assigns."""
    import ast

    from autograder.execute import DEMONSTRATION, is_demonstration

    nb = nbformat.read(next((ROOT / "solutions" / chapter).glob("*.ipynb")), as_version=4)
    for index, cell in enumerate(nb.cells):
        if DEMONSTRATION not in cell.get("metadata", {}).get("tags", []):
            continue
        assert is_demonstration(cell), f"cell {index} is tagged {DEMONSTRATION!r} but is an answer or a test"
        tree = ast.parse(cell.source)
        assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        assigned |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assigned |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        for later in nb.cells[index + 1:]:
            if later.cell_type == "code":
                used = {n.id for n in ast.walk(ast.parse(later.source)) if isinstance(n, ast.Name)}
                assert not assigned & used, f"cell {index} assigns {sorted(assigned & used)}, which a later cell uses"
