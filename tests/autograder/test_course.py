"""The course's configuration is what stock nbgrader reads in the course root: Jupyter's
config folders (the user's, the environment's, the system's), then the root's own file."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.batch.gradebook import course_db_url, course_id
from autograder.batch.worker import nbgrader_api
from autograder.course import CourseError, config_layers, grading_config, load_config

from ..conftest import ROOT

MACHINE_WIDE = '''c = get_config()
c.CourseDirectory.db_url = "sqlite:////srv/grades/machine.db"
c.CourseDirectory.course_id = "set-for-the-machine"
c.SandboxKernelManager.disk_limit = "99M"
'''


def _course(tmp_path, monkeypatch):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    (root / "solutions").mkdir()
    config_dir = tmp_path / "jupyter"
    config_dir.mkdir()
    (config_dir / "nbgrader_config.py").write_text(MACHINE_WIDE)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    return root, config_dir


def test_a_setting_made_outside_the_course_reaches_grading_and_the_course_file_wins(tmp_path, monkeypatch):
    root, config_dir = _course(tmp_path, monkeypatch)
    assert config_layers(root)[-1] == root / "nbgrader_config.py"
    assert config_dir / "nbgrader_config.py" in config_layers(root)
    assert course_db_url(root) == "sqlite:////srv/grades/machine.db"
    assert course_id(root) == "autodiff", "the course root's own file has the last word"
    # A worker, given the course's configuration, grades with it, not with the gradebook's
    # address (which may carry a password).
    settings = grading_config(root)
    assert "db_url" not in settings.CourseDirectory
    api = nbgrader_api(tmp_path, config=settings)
    assert api.config.SandboxKernelManager.disk_limit == "99M"
    assert api.config.CourseDirectory.course_id == "autodiff"
    assert api.config.CourseDirectory.db_url == f"sqlite:///{tmp_path / 'gradebook.db'}", \
        "a worker grades into its private gradebook, whatever the configuration names"


def test_the_configuration_is_read_again_when_a_file_changes(tmp_path, monkeypatch):
    root, config_dir = _course(tmp_path, monkeypatch)
    assert course_db_url(root) == "sqlite:////srv/grades/machine.db"
    (config_dir / "nbgrader_config.py").write_text(MACHINE_WIDE.replace("machine.db", "other.db"))
    assert course_db_url(root) == "sqlite:////srv/grades/other.db"


USER_JUPYTER = '''c = get_config()
c.SandboxKernelManager.disk_limit = "11M"
c.SandboxKernelManager.sandbox_uid = 4242
c.SealedExecute.output_budget = 1234
'''


def test_stock_nbgrader_reads_the_same_settings(tmp_path, monkeypatch):
    """Layers that override each other: jupyter_config.py below nbgrader_config.py in one
    folder, a JSON file above its .py twin, the root's file above all; every section
    compared with what stock nbgrader's application holds."""
    root, config_dir = _course(tmp_path, monkeypatch)
    (config_dir / "jupyter_config.py").write_text(USER_JUPYTER)
    (config_dir / "nbgrader_config.json").write_text('{"SealedExecute": {"output_budget": 5678}}')
    program = ("import json\n"
               "from nbgrader.apps import NbGraderApp\n"
               "app = NbGraderApp()\n"
               "app.initialize([])\n"
               "print(json.dumps({s: {k: repr(v) for k, v in app.config[s].items()} for s in SECTIONS}))\n")
    sections = ["CourseDirectory", "SandboxKernelManager", "SealedExecute", "Exchange"]
    done = subprocess.run([sys.executable, "-c", f"SECTIONS = {sections!r}\n" + program], cwd=root,
                          capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert done.returncode == 0, done.stderr
    stock = json.loads(done.stdout.strip().splitlines()[-1])
    ours = load_config(root)
    assert {s: {k: repr(v) for k, v in ours[s].items()} for s in sections} == stock
    assert stock["SandboxKernelManager"]["disk_limit"] == repr("99M"), "nbgrader_config.py over jupyter_config.py"
    assert stock["SealedExecute"]["output_budget"] == "5678", "the .json over its .py twin"
    assert stock["SealedExecute"]["timeout"] == "120", "the root's file over all"


def test_a_broken_configuration_file_is_named(tmp_path, monkeypatch):
    root, config_dir = _course(tmp_path, monkeypatch)
    (config_dir / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.db_url = undefined_name\n")
    with pytest.raises(CourseError, match=f"{config_dir / 'nbgrader_config.py'} cannot be read: NameError"):
        course_db_url(root)
