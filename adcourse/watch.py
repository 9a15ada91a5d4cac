"""The library watch of a graded kernel: an exercise that asks for the student's own
rules is called under a profile function that notes the first code of a banned library
(SymPy for chapter 02's `diff`) or function (`evaluate` for `compile_expr`), and an audit
hook (PEP 578), added when this module is imported (by the fork server, before any kernel
is forked) and never removable, refuses what would switch the watch off while a watched
call runs.

The watch names the library in the feedback of an answer that uses it, however it was
imported, renamed or hidden in a thread; it is not a security boundary. Code in the
kernel can replace the kernel's request handling (`adcourse.remote`) or a class's methods,
which Python does not audit, and answer unwatched. The boundary is outside the kernel:
the sandbox cannot read a banned library's files (`autograder.sealed`, Landlock), so an
answer computed with it cannot even import it. A single function such as `evaluate` is
the kernel's own code and cannot be hidden that way; a kernel that calls it unwatched
gains nothing the contract does not allow anyway (an answer may interpret the tree
itself, as long as it does not call `evaluate`).
"""
from __future__ import annotations

import _thread
import functools
import io
import sys
import threading
import types
from typing import Callable

from .i18n import _


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
        module, _colon, path = name.partition(":")
        target = importlib.import_module(module)
        for part in path.split("."):
            target = getattr(target, part)
        codes[target.__code__] = f"{module}.{path}"
    return codes


def _stop(watch, kind: str, library: str, module: str, _close=io.BytesIO.close, _item=tuple.__getitem__,
          _append=list.append, _LibraryUsed=LibraryUsed):
    """Note what ran and stop the call here: the watch's flag is closed for good (a closed
    file cannot be opened again), whatever the student's code does with this exception or
    with what was noted. CPython removes a profile function that raises, so the watch is
    off from now on: `Watched._run` finds it gone."""
    _close(_item(watch, 3))
    _append(_item(watch, 4), (kind, library, module))
    raise _LibraryUsed(f"{library} ({module}) ran while a watched exercise was called")


class _Watch(tuple):
    """The profile function of one watched call: notes the first code of a watched library.

    Code is told by the file its code object was compiled from (immutable, so renaming a
    module or its `__name__` does not hide it) or by its module's name; C functions by
    their `__module__`. What the call could reach of the watch hides nothing: it is a
    tuple (libraries, folders, codes: frozen; a flag that can only be closed; the list of
    what was seen, read for the message only; the folders' and codes' names), and what its
    functions use is bound in their defaults, which `_guard` keeps from being read or set.
    """

    __slots__ = ()

    def __new__(cls, libraries: frozenset, folders: tuple[tuple[str, str], ...], codes: tuple):
        return tuple.__new__(cls, (libraries, tuple(f for f, _ in folders), frozenset(c for c, _ in codes),
                                   io.BytesIO(), [], folders, codes))

    @property
    def seen(self) -> list:
        """(kind, library, module) of what stopped the call: for the message only."""
        return tuple.__getitem__(self, 4)

    def __call__(self, frame, event, arg, _item=tuple.__getitem__, _stop=_stop, _str=str,
                 _isinstance=isinstance, _getattr=getattr, _starts=(_thread.start_new_thread, _thread.start_new),
                 _threading_file=threading.__file__):
        if event == "call":
            code = frame.f_code
            if code in _item(self, 2):
                name = next(n for c, n in _item(self, 6) if c is code)
                _stop(self, "function", name, name)
            module = frame.f_globals.get("__name__") or ""
            filename = code.co_filename
            if _isinstance(filename, _str) and filename.startswith(_item(self, 1)):
                library = next(lib for folder, lib in _item(self, 5) if filename.startswith(folder))
                _stop(self, "library", library, module if _isinstance(module, _str) and module else filename)
        elif event == "c_call":
            if (arg is _starts[0] or arg is _starts[1]) and frame.f_code.co_filename != _threading_file:
                # A thread not started by `threading` (whose threads are watched too).
                _stop(self, "thread", "a thread the watch does not see", "_thread.start_new_thread")
            module = _getattr(arg, "__module__", None) or ""
        else:
            return
        if _isinstance(module, _str) and module.partition(".")[0] in _item(self, 0):
            _stop(self, "library", module.partition(".")[0], module)


class Watched(tuple):
    """`function`, run under a `_Watch`; see `watched`. A tuple (function, libraries,
    folders, codes): nothing in it can be changed between calls."""

    __slots__ = ()

    def __new__(cls, function, libraries: frozenset):
        return tuple.__new__(cls, (function, libraries, _library_folders(libraries),
                                   tuple(_functions(libraries).items())))

    @property
    def __name__(self) -> str:
        return getattr(tuple.__getitem__(self, 0), "__name__", "call")

    def __call__(self, *args, **kwargs):
        result = self._run(args, kwargs)
        if isinstance(result, (types.FunctionType, types.MethodType, functools.partial)):
            return Watched(result, tuple.__getitem__(self, 1))  # a returned function is held to the same watch
        return result

    def finished(self, args: tuple, kwargs: dict, finish: Callable):
        """finish(function(*args, **kwargs)), all of it under the watch (how the kernel end
        encodes an answer: a lazy answer is computed while it is watched)."""
        return self._run(args, kwargs, finish)

    def _run(self, args, kwargs, finish=None, _Watch=_Watch, _getprofile=sys.getprofile,
             _setprofile=sys.setprofile, _thread_profile=threading.getprofile,
             _set_thread_profile=threading.setprofile, _item=tuple.__getitem__, _closed=io.BytesIO.closed.__get__):
        # While this frame is on a thread's stack, that thread is in a watched call: the
        # audit hook (`_guard`) refuses what would switch the watch off. What it uses is
        # bound here, so that replacing this module's names changes nothing; the verdict
        # is whether the watch is still installed (CPython removes a profile function that
        # raises, as the watch does at the first code of a library) and its flag is open.
        watch = _Watch(_item(self, 1), _item(self, 2), _item(self, 3))
        function, flag = _item(self, 0), _item(watch, 3)
        previous, previous_threads = _getprofile(), _thread_profile()
        _set_thread_profile(watch)  # threads the call starts are watched too
        _setprofile(watch)
        try:
            try:
                result = function(*args, **kwargs)
                if finish is not None:
                    result = finish(result)
            finally:
                intact = _getprofile() is watch
                _setprofile(previous)
                _set_thread_profile(previous_threads)
        except BaseException:
            if _closed(flag) or not intact:  # the watch stopped the call: say so, whatever it raised
                raise self._used(watch) from None
            raise
        if _closed(flag) or not intact:
            raise self._used(watch)
        return result

    def _used(self, watch, _LibraryUsed=LibraryUsed, _item=tuple.__getitem__, _isinstance=isinstance,
              _tuple=tuple, _str=str, _len=len, _=_) -> "LibraryUsed":
        name = self.__name__
        seen = [s for s in list(_item(watch, 4)) if _isinstance(s, _tuple) and _len(s) == 3
                and all(_isinstance(part, _str) for part in s)]
        if not seen:
            return _LibraryUsed(_("the grader's watch for other libraries was switched off while `{name}` ran: "
                                  "this exercise is graded only with the watch on").format(name=name))
        kind, library, module = seen[0]
        if kind == "function":
            return _LibraryUsed(_("the answer called {function} while `{name}` ran, which this exercise does not "
                                  "allow: the function you return must compute the expression itself (compiled "
                                  "Python source), not hand it to {short}").format(
                                      function=library, name=name, short=library.rpartition(".")[2]))
        return _LibraryUsed(_("the answer was computed with {library} ({module} ran while `{name}` was called): "
                              "this exercise asks for your own implementation of the rules, and an answer "
                              "computed by another library gets no points").format(
                                  library=library, module=module, name=name))


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


def _guard(event, args, _refused=_REFUSED_IN_WATCH, _symbols=_REFUSED_SYMBOLS,
           _getprofile=sys.getprofile, _getframe=sys._getframe, _str=str, _isinstance=isinstance,
           _type=type, _any=any, _len=len, _Watch=_Watch, _finish=Watched._run.__code__, _error=RuntimeError,
           _classes=(_Watch, Watched, LibraryUsed), _function=types.FunctionType, _globals=globals(),
           _hidden=("__defaults__", "__kwdefaults__"), _item=tuple.__getitem__,
           _closed=io.BytesIO.closed.__get__, _=_):
    """The kernel's audit hook (PEP 578: once added, it cannot be removed).

    Its defaults are positional (a tuple: a function's keyword defaults are a dict that
    can be changed in place), and it refuses, at any time, changes to this module's
    functions (their code and defaults), reading their defaults (what the watch uses is
    bound there, not looked up in this module's names), and changing the class of its
    objects. Python does not audit assignments to a class's attributes: code in the kernel
    can still replace the watch's methods, or the kernel's request handling altogether
    (see the module's docstring)."""
    if event == "ctypes.dlsym" and _len(args) > 1 and _isinstance(args[1], _str) \
            and args[1].startswith(_symbols):
        raise _error(_("{name} is not available in a graded kernel").format(name=args[1]))
    if event in ("object.__setattr__", "object.__delattr__", "object.__getattr__") and args:
        target = args[0]
        ours = target is _guard or (_type(target) is _function and target.__globals__ is _globals) \
            or _any(target is c or _type(target) is c for c in _classes)
        if ours and (event != "object.__getattr__" or (_len(args) > 1 and _any(args[1] is h or (
                _type(args[1]) is _str and args[1] == h) for h in _hidden))):
            raise _error(_("the grader's watch cannot be changed or read"))
        return
    if not (event in _refused or event.startswith("ctypes.")):
        return
    # Is a watched call running in this thread? Its frame is on the stack (a frame's code
    # cannot be swapped), whether or not its profile function is still set.
    caller = _getframe(1)
    if event == "sys.setprofile" and (caller.f_code is _finish or (
            _isinstance(_getprofile(), _Watch) and _closed(_item(_getprofile(), 3)))):
        # The watch itself: started or ended by `Watched._run`, or removed by CPython
        # because it stopped the call (once something is seen, the call fails anyway).
        return
    frame = caller
    while frame is not None and frame.f_code is not _finish:
        frame = frame.f_back
    if frame is None and not _isinstance(_getprofile(), _Watch):
        return
    if event.startswith("ctypes."):
        raise _error(_("{event} is not allowed while a watched exercise runs").format(event=event))
    raise _error(_("{event} is not allowed while the exercise is watched for other libraries").format(event=event))


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
