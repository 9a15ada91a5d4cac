"""The deployment files agree with the course: one course id, one exchange, one student
configuration (deploy/student/, installed by Binder's postBuild and by a JupyterHub image)."""
from __future__ import annotations

import filecmp
import os
import subprocess

from traitlets.config.loader import PyFileConfigLoader

from .conftest import ROOT


def load(path):
    return PyFileConfigLoader(path.name, str(path.parent)).load_config()


def test_students_and_instructors_name_the_same_course_and_exchange():
    course, student = load(ROOT / "nbgrader_config.py"), load(ROOT / "deploy" / "student" / "nbgrader_config.py")
    assert student.CourseDirectory.course_id == course.CourseDirectory.course_id
    assert student.Exchange.root == course.Exchange.root


def test_the_jupyterhub_configuration_serves_the_formgrader_of_this_course():
    hub = load(ROOT / "deploy" / "jupyterhub_config.py")
    course_id = load(ROOT / "nbgrader_config.py").CourseDirectory.course_id
    (service,) = hub.JupyterHub.services
    assert service["name"] == course_id, "nbgrader finds a course's formgrader by the service's name"
    group = f"formgrade-{course_id}"
    assert group in hub.JupyterHub.load_groups
    role = next(r for r in hub.JupyterHub.load_roles if r.get("groups") == [group])
    assert f"access:services!service={course_id}" in role["scopes"]
    instructors = set(hub.JupyterHub.load_groups[group]["users"])
    assert instructors <= set(hub.Authenticator.allowed_users)


def test_binder_post_build_installs_the_student_configuration(tmp_path):
    result = subprocess.run(["bash", str(ROOT / "postBuild")], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, HOME=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    compared = filecmp.dircmp(ROOT / "deploy" / "student", tmp_path / ".jupyter")
    assert not compared.left_only and not compared.diff_files, compared.report()
    assert (tmp_path / ".jupyter" / "labconfig" / "page_config.json").is_file()
