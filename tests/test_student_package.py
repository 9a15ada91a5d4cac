"""The student package (deploy/student-package/): what a classroom's student image installs.

It is built from the checkout as a student image builds it, and its wheel must hold
adcourse, every module of it, and nothing of the grader (no references, hidden cases,
typical mistakes or hidden tests); installed alone into a fresh folder, next to the
packages it depends on and without the course, every module of adcourse imports.
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import zipfile
from email.parser import Parser

import pytest

from .conftest import ROOT
from .student_env import adcourse_files, adcourse_modules, build_wheel, install_wheel, installed_with, student_site

MODULES = adcourse_files()
#: The kernel side's messages in Chinese, from the course's catalogue (adcourse.i18n).
CATALOGUES = {"locale/zh_CN.po": ROOT / "translations" / "zh_CN" / "adcourse.po"}

#: Run with the fresh folder first on PYTHONPATH: imports every module of adcourse.
IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
import adcourse
names = sorted(m.name for m in pkgutil.iter_modules(adcourse.__path__))
for name in names:
    importlib.import_module("adcourse." + name)
try:
    import autograder
    grader = repr(autograder)
except ModuleNotFoundError as error:
    grader = "ModuleNotFoundError: " + str(error)
import adcourse.i18n as i18n
i18n.use("zh_CN", plots=False)
print(json.dumps({"file": adcourse.__file__, "modules": names, "grader": grader,
                  "flipped": i18n.gettext("the sign is flipped"),
                  "grader_loaded": sorted(m for m in sys.modules if m.split(".")[0] == "autograder")}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(tmp_path_factory.mktemp("student-wheel"))


def dist_info(wheel) -> str:
    name, version = wheel.name.split("-")[:2]
    return f"{name}-{version}.dist-info"


def core_metadata(wheel):
    return Parser().parsestr(zipfile.ZipFile(wheel).read(f"{dist_info(wheel)}/METADATA").decode("utf-8"))


def test_the_wheel_holds_adcourse_and_nothing_of_the_grader(wheel):
    info = dist_info(wheel)
    assert core_metadata(wheel)["Name"] == "autodiff-course-student"
    names = zipfile.ZipFile(wheel).namelist()
    package = [n for n in names if n.startswith("adcourse/")]
    records = [n for n in names if n.startswith(f"{info}/")]
    assert sorted(package + records) == sorted(names), f"files outside adcourse/: {set(names) - set(package)}"
    assert sorted(n.removeprefix("adcourse/") for n in package) == sorted([*MODULES, *CATALOGUES]), \
        "every module of adcourse and its catalogue, only them"
    assert {n.removeprefix(f"{info}/") for n in records} == {"METADATA", "WHEEL", "RECORD"}
    for name in names:
        for grader_part in ("autograder", "reference", "cases", "hidden"):
            assert grader_part not in name, name
    for module in MODULES:  # the files are the checkout's
        assert zipfile.ZipFile(wheel).read(f"adcourse/{module}") == (ROOT / "adcourse" / module).read_bytes()
    for name, source in CATALOGUES.items():
        assert zipfile.ZipFile(wheel).read(f"adcourse/{name}") == source.read_bytes()


def test_installed_alone_every_module_imports_without_the_grader(wheel, tmp_path):
    target = tmp_path / "target"
    install_wheel(wheel, target)
    assert sorted(p.name for p in target.iterdir()) == ["adcourse", dist_info(wheel)]
    assert sorted(p.relative_to(target / "adcourse").as_posix() for p in (target / "adcourse").rglob("*.py")) == MODULES
    # The packages it depends on, as this environment has them, without the course.
    deps = student_site(tmp_path / "deps", None)
    assert not (deps / "autograder").exists() and not (deps / "adcourse").exists()
    env = {"PYTHONPATH": f"{target}:{deps}", "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
           "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-S", "-c", IMPORT_ALL], check=False, cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["file"] == str(target / "adcourse" / "__init__.py")
    assert found["modules"] == adcourse_modules()
    assert found["grader"] == "ModuleNotFoundError: No module named 'autograder'", found["grader"]
    assert found["grader_loaded"] == []
    assert found["flipped"] != "the sign is flipped" and re.search(r"[\u4e00-\u9fff]", found["flipped"]), \
        "the installed package says its messages in Chinese, from its own catalogue"


def _third_party_imports() -> set[str]:
    """Top-level modules that adcourse imports, anywhere in its code, beyond the standard library."""
    modules = set()
    for path in (ROOT / "adcourse").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in ("__future__", "adcourse")}


def test_its_dependencies_bring_every_package_adcourse_imports(wheel):
    brought = installed_with(core_metadata(wheel).get_all("Requires-Dist"))
    owners = importlib.metadata.packages_distributions()
    imported = _third_party_imports()
    assert {"numpy", "matplotlib", "ipywidgets", "sympy"} <= imported
    for module in imported:
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        assert dists & brought, f"adcourse imports {module}, which the student package does not install"
