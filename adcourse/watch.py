"""The library watch of a graded kernel: an exercise that asks for the student's own
rules is called under a profile function that notes the first code of a banned library
(SymPy for chapter 02's `diff`), and an audit hook (PEP 578), added when this module is
imported (by the fork server, before any kernel is forked) and never removable, refuses
what would switch the watch off while a watched call runs.

The watch binds a call that goes through `adcourse.remote.handle`; a kernel whose
request handling is replaced altogether answers unwatched (see `autograder.sealed`).
"""
from __future__ import annotations

import _thread
import sys
import threading
import types
from typing import Callable


class LibraryUsed(RuntimeError):
    """Another library computed an answer that an exercise asks the student to compute."""


_LibraryUsed = LibraryUsed  # what the watch raises (kept if the public name is rebound)


def _folders(libraries) -> tuple[tuple[str, str], ...]:
    """(folder, library): where the installed code of `libraries` lives (found without
    importing them)."""
    import importlib.util
    import os

    found = []
    for name in libraries:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for folder in (getattr(spec, "submodule_search_locations", None) or []):
            found.append((os.path.realpath(folder) + os.sep, name))
            found.append((os.path.abspath(folder) + os.sep, name))
        if spec is not None and spec.origin and not spec.submodule_search_locations:
            found.append((os.path.realpath(spec.origin), name))
    return tuple(found)


#: Libraries a test may ban, located once when this module is imported (in the fork
#: server, before any student's code): a kernel that hides a library's spec or renames
#: its modules later does not move where its code is.
WATCHABLE = ("sympy", "symengine", "mpmath")
_KNOWN_FOLDERS = {name: _folders((name,)) for name in WATCHABLE}


def _library_folders(libraries) -> tuple[tuple[str, str], ...]:
    return tuple(folder for name in libraries if ":" not in name
                 for folder in (_KNOWN_FOLDERS[name] if name in _KNOWN_FOLDERS else _folders((name,))))


#: Functions a test may ban, found when this module is imported (in the fork server, before
#: any student's code): a kernel that rebinds the name later does not change which code is
#: watched for.
WATCHABLE_FUNCTIONS = ("adcourse.expressions:evaluate",)


def _functions(libraries) -> dict:
    """code object -> name, for the entries "module:function" (or "module:Class.method") of
    `libraries`: single functions an exercise may not call (chapter 02's `compile_expr`
    may not call `adcourse.expressions:evaluate`). The module is imported if it is not."""
    import importlib

    codes = {}
    for name in libraries:
        if ":" not in name:
            continue
        if name in _KNOWN_CODES:
            codes[_KNOWN_CODES[name]] = name.replace(":", ".")
            continue
        module, _, path = name.partition(":")
        target = importlib.import_module(module)
        for part in path.split("."):
            target = getattr(target, part)
        codes[target.__code__] = f"{module}.{path}"
    return codes


class _Watch:
    """The profile function of one watched call: notes the first code of a watched library.

    Code is told by the file its code object was compiled from (immutable, so renaming a
    module or its `__name__` does not hide it) or by its module's name; C functions by
    their `__module__`.
    """

    __slots__ = ("libraries", "folders", "codes", "seen", "clean")

    def __init__(self, libraries: frozenset, folders: tuple[tuple[str, str], ...], codes: dict):
        self.libraries, self.folders, self.codes, self.seen = libraries, folders, codes, []
        self.clean = set()  # code objects already found outside the libraries, in this call

    def __call__(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code in self.codes:
                self._stop(self.codes[code], self.codes[code])
            if code in self.clean:
                return
            module = frame.f_globals.get("__name__") or ""
            filename = code.co_filename
            for folder, library in self.folders:
                if filename.startswith(folder):
                    self._stop(library, module if isinstance(module, str) and module else filename)
            if not (isinstance(module, str) and module.partition(".")[0] in self.libraries):
                self.clean.add(code)
                return
        elif event == "c_call":
            if (arg is _thread.start_new_thread or arg is _thread.start_new) \
                    and frame.f_code.co_filename != threading.__file__:
                # A thread not started by `threading` (whose threads are watched too).
                self._stop("a thread the watch does not see", "_thread.start_new_thread")
            module = getattr(arg, "__module__", None) or ""
        else:
            return
        if isinstance(module, str) and module.partition(".")[0] in self.libraries:
            self._stop(module.partition(".")[0], module)

    def _stop(self, library: str, module: str):
        """Note what ran and stop the call here. CPython removes a profile function that
        raises, so the watch is off from now on: `Watched._run` finds it gone, whatever
        the student's code does with this exception or with `seen`."""
        self.seen.append((library, module))
        raise _LibraryUsed(f"{library} ({module}) ran while a watched exercise was called")


class Watched:
    """`function`, run under a `_Watch`; see `watched`."""

    def __init__(self, function, libraries: frozenset):
        self.function, self.libraries = function, libraries
        self.folders, self.codes = _library_folders(libraries), _functions(libraries)
        self.__name__ = getattr(function, "__name__", "call")

    def __call__(self, *args, **kwargs):
        result = self._run(args, kwargs)
        if isinstance(result, (types.FunctionType, types.MethodType)):
            return Watched(result, self.libraries)  # a returned function is held to the same watch
        return result

    def finished(self, args: tuple, kwargs: dict, finish: Callable):
        """finish(function(*args, **kwargs)), all of it under the watch (how the kernel end
        encodes an answer: a lazy answer is computed while it is watched)."""
        return self._run(args, kwargs, finish)

    def _run(self, args, kwargs, finish=None, *, _Watch=_Watch, _getprofile=sys.getprofile,
             _setprofile=sys.setprofile, _thread_profile=threading.getprofile,
             _set_thread_profile=threading.setprofile):
        # While this frame is on a thread's stack, that thread is in a watched call: the
        # audit hook (`_guard`) refuses what would switch the watch off. The functions it
        # uses are bound here, so that replacing this module's `sys` changes nothing; the
        # verdict is whether the watch is still installed (CPython removes a profile
        # function that raises, as the watch does at the first code of a library) and
        # saw nothing.
        watch = _Watch(self.libraries, self.folders, self.codes)
        previous, previous_threads = _getprofile(), _thread_profile()
        _set_thread_profile(watch)  # threads the call starts are watched too
        _setprofile(watch)
        try:
            try:
                result = self.function(*args, **kwargs)
                if finish is not None:
                    result = finish(result)
            finally:
                intact = _getprofile() is watch
                _setprofile(previous)
                _set_thread_profile(previous_threads)
        except BaseException:
            if watch.seen or not intact:  # the watch stopped the call: say so, whatever it raised
                raise self._used(watch) from None
            raise
        if watch.seen or not intact:
            raise self._used(watch)
        return result

    def _used(self, watch) -> "LibraryUsed":
        if not watch.seen:
            return _LibraryUsed(f"the grader's watch for other libraries was switched off while "
                                f"`{self.__name__}` ran: this exercise is graded only with the watch on")
        library, module = watch.seen[0]
        if library in self.codes.values():
            return _LibraryUsed(f"the answer called {library} while `{self.__name__}` ran, which this "
                                "exercise does not allow: the function you return must compute the "
                                "expression itself (compiled Python source), not hand it to "
                                f"{library.rpartition('.')[2]}")
        return _LibraryUsed(f"the answer was computed with {library} ({module} ran while "
                            f"`{self.__name__}` was called): this exercise asks for your own "
                            "implementation of the rules, and an answer computed by another "
                            "library gets no points")


def watched(function, libraries):
    """`function`, raising `LibraryUsed` when code of one of `libraries` (top-level
    package names such as "sympy", or single functions as "module:function") ran during a
    call.

    Watching is by profiling the call: every Python and C function called is looked up
    by the file its code comes from and the module it belongs to, so the library is seen
    however it was imported or named. While the call runs, the kernel's audit hook
    (`install_guard`) refuses what would switch the watch off: a new profile or trace
    function, a C-level one set through ctypes, new threads (where Python reports them)
    and processes.
    """
    libraries = frozenset(libraries)
    if not libraries:
        return function
    return Watched(function, libraries)


#: Events refused while a watched call runs: what would run code the watch does not see
#: (another profile or trace function, threads, processes, native code through ctypes).
_REFUSED_IN_WATCH = frozenset({
    "sys.setprofile", "sys.settrace", "_thread.start_new_thread", "os.fork", "os.forkpty",
    "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.startfile", "subprocess.Popen",
    "pty.spawn", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
})
#: C functions that install profile or trace functions, or remove audit hooks: never
#: looked up through ctypes in a graded kernel.
_REFUSED_SYMBOLS = ("PyEval_SetProfile", "PyEval_SetTrace", "_PyEval_SetProfile", "_PyEval_SetTrace",
                    "PyEval_SetProfileAllThreads", "PyEval_SetTraceAllThreads",
                    "_PySys_ClearAuditHooks", "PySys_AddAuditHook", "_PyEval_SetSwitchInterval")


def _guard(event, args, *, _watching=None, _refused=_REFUSED_IN_WATCH, _symbols=_REFUSED_SYMBOLS,
           _getprofile=sys.getprofile, _getframe=sys._getframe, _str=str, _isinstance=isinstance,
           _Watch=_Watch, _finish=Watched._run.__code__, _error=RuntimeError,
           _protected=(Watched._run, _Watch.__call__, _Watch._stop)):
    """The kernel's audit hook (PEP 578: once added, it cannot be removed)."""
    if event == "ctypes.dlsym" and len(args) > 1 and _isinstance(args[1], _str) \
            and args[1].startswith(_symbols):
        raise _error(f"{args[1]} is not available in a graded kernel")
    # (Python audits changes to a function's code and defaults, not to a class's attributes.)
    if event in ("object.__setattr__", "object.__delattr__") and args and (
            args[0] is _guard or any(args[0] is p for p in _protected)):
        raise _error("the grader's watch cannot be changed")
    if not (event in _refused or event.startswith("ctypes.")):
        return
    # Is a watched call running in this thread? Its frame is on the stack (a frame's code
    # cannot be swapped), whether or not its profile function is still set.
    caller = _getframe(1)
    if event == "sys.setprofile" and (caller.f_code is _finish or (
            _isinstance(_getprofile(), _Watch) and _getprofile().seen)):
        # The watch itself: started or ended by `Watched._run`, or removed by CPython
        # because it stopped the call (once something is seen, the call fails anyway).
        return
    frame = caller
    while frame is not None and frame.f_code is not _finish:
        frame = frame.f_back
    if frame is None and not _isinstance(_getprofile(), _Watch):
        return
    if event.startswith("ctypes."):
        raise _error(f"{event} is not allowed while a watched exercise runs")
    raise _error(f"{event} is not allowed while the exercise is watched for other libraries")


def install_guard() -> bool:
    """Add the kernel's audit hook once (at import of this module, which the fork server
    does before any kernel is forked, so every kernel has it before a student's code
    runs). True if it was added now."""
    if getattr(sys, "_adcourse_guard", None) is _guard:
        return False
    sys.addaudithook(_guard)
    sys._adcourse_guard = _guard
    return True


install_guard()


_KNOWN_CODES: dict = {}  # empty while _functions finds them
_KNOWN_CODES.update({name: next(iter(_functions((name,)))) for name in WATCHABLE_FUNCTIONS})
