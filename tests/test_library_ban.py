"""A library a chapter bans cannot run in its graded kernel, whatever the kernel does.

The kernel is started as the grader starts it for 02_symbolic (forked from the warm
server, and as a new interpreter), with SymPy banned. Its code then does what an
answer could do to get SymPy back: remove the stand-in, forget the imported module,
put every Python's package folder on its path, load SymPy's files by their path, read
them (the names of its files may be listed, as of every folder above what a kernel
cannot read: Python's import system lists them). The test process, outside the sandbox, reads the same files, so each refusal is
the sandbox's and not a missing file.
"""
from __future__ import annotations

import json
import os

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from autograder.sandbox.kernel import SandboxKernelManager
from autograder.hidden import banned_by
from autograder.sandbox.confine import copies_of, probe, readable_paths

BANNED = ["sympy", "symengine"]

USE = '''
import sympy
print("MODULE", type(sympy).__name__)
try:
    sympy.diff(sympy.Symbol("x") ** 2)
except Exception as exc:
    print("USED", type(exc).__name__, exc)
'''

ATTACK = '''
import importlib, importlib.util, json, os, sys
outcome = {}
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "adcourse.unavailable"]
for name in [m for m in sys.modules if m.split(".")[0] in ("sympy", "symengine")]:
    del sys.modules[name]
sys.path[:0] = FOLDERS
importlib.invalidate_caches()
try:
    import sympy
    outcome["import"] = type(sympy).__name__ + " " + str(getattr(sympy, "__version__", "?"))
except BaseException as exc:
    outcome["import"] = type(exc).__name__
for path in FILES:
    try:
        spec = importlib.util.spec_from_file_location("sympy_copy", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        outcome["load " + path] = "loaded"
    except BaseException as exc:
        outcome["load " + path] = type(exc).__name__
    try:
        with open(path, "rb") as file:
            outcome["read " + path] = f"read {len(file.read())} bytes"
    except OSError as exc:
        outcome["read " + path] = type(exc).__name__
import mpmath, numpy  # not banned: still there
outcome["others"] = "imported"
print("OUTCOME " + json.dumps(outcome))
'''


@pytest.fixture(autouse=True)
def _needs_landlock():
    if not probe()["landlock"].startswith("on"):
        if os.environ.get("CI"):
            pytest.fail(f"Landlock is {probe()['landlock']}: the ban is kept by the sandbox")
        pytest.skip("the ban is kept from outside the kernel only where Landlock is on")


def copies() -> tuple[list[str], list[str]]:
    """Package folders holding SymPy, and its __init__ files, as the test process sees them."""
    found = sorted(copies_of(tuple(BANNED), readable_paths()))
    inits = [os.path.join(p, "__init__.py") for p in found if os.path.isfile(os.path.join(p, "__init__.py"))]
    return sorted({os.path.dirname(p) for p in found}), inits


def printed(cell) -> str:
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)


@pytest.mark.parametrize("fork_server", [True, False], ids=["forked", "new interpreter"])
def test_a_banned_library_cannot_be_run_or_read_in_the_kernel(fork_server):
    folders, inits = copies()
    assert inits, "SymPy is installed (the course's dependency)"
    for path in inits:
        with open(path, "rb") as file:
            assert file.read(1)  # readable here, outside the sandbox
    nb = new_notebook(cells=[new_code_cell(USE),
                             new_code_cell(f"FOLDERS = {folders!r}\nFILES = {inits!r}\n{ATTACK}")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    km = SandboxKernelManager(fork_server=fork_server)
    km.banned = list(BANNED)
    NotebookClient(nb, km=km, timeout=120).execute()
    use, attack = printed(nb.cells[0]), printed(nb.cells[1])
    assert "MODULE StandIn" in use, use
    assert "USED LibraryUsed sympy is not available while this notebook is graded (`sympy.diff` was used here)" in use, use
    line = next((x for x in attack.splitlines() if x.startswith("OUTCOME ")), None)
    assert line is not None, attack
    outcome = json.loads(line.removeprefix("OUTCOME "))
    assert outcome.pop("import") in ("ModuleNotFoundError", "PermissionError", "ImportError"), outcome
    assert outcome.pop("others") == "imported"
    for key, result in outcome.items():
        assert result == "PermissionError", (key, result)
    assert len(outcome) == 2 * len(inits)


def test_the_ban_comes_from_the_hidden_tests_the_notebook_imports():
    cells = ["from autograder.hidden import symbolic as hidden\nhidden.test_diff_hidden(diff)",
             "import autograder.hidden.numerical\n"]
    assert banned_by(cells) == ("symengine", "sympy")
    assert banned_by(cells[1:]) == ()
    assert banned_by(["from autograder.hidden.symbolic import test_diff_hidden"]) == ("symengine", "sympy")
    assert banned_by(["this is not python (", "from autograder.hidden import nothing_here"]) == ()


def test_no_copy_of_a_banned_library_stays_readable():
    everything, banned = set(readable_paths()), readable_paths(tuple(BANNED))
    out = copies_of(tuple(BANNED), everything)
    assert any(p.endswith(os.sep + "sympy") for p in out)
    for path in banned:
        for copy in out:
            assert path != copy and not path.startswith(copy + os.sep), (path, copy)
            assert not copy.startswith(path + os.sep), f"{path} grants {copy}"
    # Everything else is still granted: each path granted before is granted, or inside a
    # folder still granted, or a folder whose other parts are granted.
    assert {p for p in everything if p in banned or any(p.startswith(b + os.sep) for b in banned)} \
        == {p for p in everything if not any(o == p or o.startswith(p + os.sep) or p.startswith(o + os.sep)
                                             for o in out)}


def test_a_link_grants_nothing_that_is_left_out(tmp_path):
    """A virtual environment's `lib64 -> lib` names the folder that holds site-packages:
    granting the link would grant everything under it, the grader's package included."""
    from autograder.sandbox.confine import _leaving_out

    packages = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    for name in ("autograder", "sympy", "numpy"):
        (packages / name).mkdir(parents=True)
        (packages / name / "__init__.py").write_text("")
    (tmp_path / "venv" / "lib64").symlink_to("lib")
    (tmp_path / "venv" / "bin").mkdir()
    out = {str(packages / "autograder"), str(packages / "sympy")}
    read, listable = _leaving_out({str(tmp_path / "venv")}, out)
    assert str(packages / "numpy") in read and str(tmp_path / "venv" / "bin") in read
    for path in read:
        real = os.path.realpath(path)
        assert not any(o == real or o.startswith(real + os.sep) or real.startswith(o + os.sep) for o in out), path
    assert listable == {str(tmp_path / "venv"), str(tmp_path / "venv" / "lib"),
                        str(tmp_path / "venv" / "lib" / "python3.11"), str(packages)}


def test_copies_anywhere_under_a_readable_folder_are_left_out(tmp_path):
    """A conda package cache, another environment, a copy another package vendors."""
    from autograder.sandbox.confine import _leaving_out, copies_anywhere

    copies = [tmp_path / "pkgs" / "sympy-1.14.0-py_0" / "site-packages" / "sympy",
              tmp_path / "envs" / "other" / "lib" / "python3.11" / "site-packages" / "sympy",
              tmp_path / "lib" / "somepkg" / "_vendor" / "sympy"]
    for copy in copies:
        copy.mkdir(parents=True)
        (copy / "__init__.py").write_text("")
    (tmp_path / "lib" / "somepkg" / "core.py").write_text("")
    (tmp_path / "sympy-1.14.0-py3-none-any.whl").write_text("")
    out = copies_anywhere(("sympy",), (str(tmp_path),))
    read, _ = _leaving_out({str(tmp_path)}, set(out))
    assert str(tmp_path / "lib" / "somepkg" / "core.py") in read
    for path in read:
        assert "sympy" not in os.path.relpath(path, tmp_path), path
