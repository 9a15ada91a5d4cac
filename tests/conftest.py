"""Shared fixtures: the repository root and a scratch copy of the course."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile("course", max_examples=60, deadline=None)
settings.load_profile("course")

#: What a scratch course needs: the nbgrader source, the generated course, the samples.
COURSE_FILES = ("nbgrader_config.py", "solutions", "course", "samples")


def copy_course(target: Path) -> Path:
    for name in COURSE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
