"""Libraries a graded kernel cannot load, and what `import` gives in their place.

While a chapter whose hidden tests ban libraries (`BANNED` of
`autograder.hidden.<chapter>`) is graded, the kernel cannot read those libraries' files
(its sandbox's Landlock rules leave out every copy the grader finds) and is forked from
a server that never imported them, so no code of theirs can run in it, whatever the
student's code does. `refuse` adds what keeps the rest of the notebook working:
`import sympy` still succeeds, and gives a stand-in whose every public name raises
`LibraryUsed`, saying why. Removing the stand-in changes nothing but the message: the
real files stay unreadable.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

from adcourse.i18n import _
from adcourse.remote import LibraryUsed


def message(library: str, used: str) -> str:
    """Why `used` (a name of `library`) failed in a graded kernel."""
    return _("{library} is not available while this notebook is graded (`{used}` was used here): a cell "
             "that only shows {library}'s results works in JupyterLab as usual, and an exercise answer "
             "computed with {library} gets no points (this chapter asks for your own implementation)").format(
                 library=library, used=used)


class StandIn(types.ModuleType):
    """What `import <library>` gives in a kernel that cannot load the library."""

    def __getattr__(self, name: str):
        if name.startswith("_"):  # what importlib, IPython and pickle look for
            raise AttributeError(name)
        raise LibraryUsed(message(self.__name__.partition(".")[0], f"{self.__name__}.{name}"))


class _Refuse(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The import system's finder and loader of the stand-ins."""

    def __init__(self, libraries: frozenset[str]):
        self.libraries = libraries

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.libraries:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return StandIn(spec.name)

    def exec_module(self, module) -> None:
        pass


def refuse(libraries) -> None:
    """Make `import` give stand-ins for `libraries` (top-level names) in this process.

    Raises RuntimeError if one of them is imported already: then it is in memory, and
    no stand-in could keep its code from running.
    """
    libraries = frozenset(libraries)
    loaded = sorted({name.partition(".")[0] for name in sys.modules} & libraries)
    if loaded:
        raise RuntimeError(f"{', '.join(loaded)} cannot be kept out of this kernel: the process it "
                           "starts from has imported it (remove it from SandboxKernelManager.preload)")
    sys.meta_path.insert(0, _Refuse(libraries))
