"""Hidden-test inputs and typical mistakes, one module per chapter.

Every case generator draws its inputs from `generator(seed)`. The seed a test cell
names (`cases.derivative_cases(seed=101)`) is mixed with the salt of the submission
being graded (`SALT`, set by `SealedExecute` for each notebook from `salt_for`), so
each student, and each changed submission, is graded on its own inputs, and the same
files graded again get the same ones. Outside grading the salt is None and a seed
gives the same inputs everywhere (as the tests of this package expect).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from contextvars import ContextVar
from typing import Iterable, Iterator

import numpy as np

#: The salt of the submission being graded (a hexadecimal string), or None.
SALT: ContextVar[str | None] = ContextVar("autograder_cases_salt", default=None)


def salt_for(assignment: str, student: str, answers: Iterable[str]) -> str:
    """The salt of a submission: a hash of the assignment, the student and the sources of
    the notebook's answer cells (in notebook order)."""
    text = json.dumps([str(assignment), str(student), [str(a) for a in answers]])
    return hashlib.sha256(text.encode()).hexdigest()


def _words(salt: str) -> list[int]:
    digest = hashlib.sha256(salt.encode()).digest()
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, len(digest), 4)]


def generator(seed: int) -> np.random.Generator:
    """The random generator a case generator draws from: `seed` alone outside grading,
    `seed` mixed with the submission's salt while a submission is graded."""
    salt = SALT.get()
    if salt is None:
        return np.random.default_rng(seed)
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *_words(salt)])


def derived_seed(seed: int) -> int:
    """An integer seed for what is drawn elsewhere (a graph built in the kernel, a data
    set): `seed` outside grading, a salted one while a submission is graded."""
    if SALT.get() is None:
        return int(seed)
    return int(generator(seed).integers(0, 2**31 - 1))


@contextlib.contextmanager
def salted(salt: str | None) -> Iterator[None]:
    """Draw every case inside the block with `salt`."""
    token = SALT.set(salt)
    try:
        yield
    finally:
        SALT.reset(token)


def ours(function, *modules: str) -> bool:
    """True when `function` comes from one of `modules` (a chapter's reference and its
    cases module, whose mistakes are ours too); a student's function, or a proxy for
    one, is anything else."""
    return getattr(function, "__module__", None) in modules
