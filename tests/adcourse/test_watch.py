"""The library watch (`adcourse.remote.watched`): a call that runs SymPy fails, however
the answer tries to hide it from the watch."""
from __future__ import annotations

import sys

import pytest
import sympy

from adcourse.remote import LibraryUsed, watched

X = sympy.Symbol("x")


def with_sympy():
    return str(sympy.diff(X**3, X))


def test_an_answer_computed_with_sympy_fails_and_an_own_one_passes():
    with pytest.raises(LibraryUsed, match="sympy"):
        watched(with_sympy, ["sympy"])()
    assert watched(lambda: 3 * 2, ["sympy"])() == 6
    assert sys.getprofile() is None, "the watch is gone after the call"


def catch_the_stop():
    """Catches whatever stops SymPy, then answers as if nothing happened."""
    try:
        return with_sympy()
    except BaseException:
        return "3*x**2"


def clear_what_was_seen():
    watch = sys.getprofile()
    try:
        with_sympy()
    except BaseException:
        pass
    watch.seen.clear()
    return "3*x**2"


def put_the_watch_back():
    watch = sys.getprofile()
    try:
        with_sympy()
    except BaseException:
        pass
    sys.setprofile(watch)
    return "3*x**2"


def switch_it_off_first():
    sys.setprofile(None)
    return with_sympy()


@pytest.mark.parametrize("answer", [catch_the_stop, clear_what_was_seen, put_the_watch_back,
                                    switch_it_off_first])
def test_hiding_sympy_from_the_watch_fails_the_call(answer):
    with pytest.raises((LibraryUsed, RuntimeError)) as raised:
        watched(answer, ["sympy"])()
    assert "watch" in str(raised.value) or "sympy" in str(raised.value), raised.value
    assert sys.getprofile() is None


def prefill_what_is_seen():
    """Makes the watch look as if it had already seen something, then tidies up."""
    watch = sys.getprofile()
    watch.seen.append(None)
    try:
        return with_sympy()
    finally:
        watch.seen.clear()


def test_what_the_watch_noted_cannot_be_made_to_hide_sympy():
    with pytest.raises(LibraryUsed):
        watched(prefill_what_is_seen, ["sympy"])()


def test_the_librarys_folders_are_those_found_when_the_kernel_started():
    """A notebook that hides SymPy's spec and renames its modules before the test."""
    import subprocess

    code = ("import sys, sympy; from adcourse.remote import watched, LibraryUsed\n"
            "t = sympy.Symbol('t'); float(sympy.diff(sympy.sin(t) * t**3, t).subs(t, 1.0))\n"
            "sympy.__spec__ = None\n"
            "for name, m in list(sys.modules.items()):\n"
            "    if name == 'sympy' or name.startswith('sympy.'): m.__name__ = 'Sym' + name[1:]\n"
            "def by_sympy(x): return float(sympy.diff(t**3, t).subs(t, x))\n"
            "try:\n    watched(by_sympy, ['sympy'])(2.0); print('unseen')\n"
            "except LibraryUsed: print('seen')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "seen", done.stdout + done.stderr


def test_what_the_watch_noted_is_for_the_message_only_and_its_parts_cannot_change():
    with pytest.raises(LibraryUsed, match="switched off"):
        watched(clear_what_was_seen, ["sympy"])()  # what was noted, emptied: the flag stays closed

    def change_the_watch():
        watch = sys.getprofile()
        for attempt in (lambda: setattr(watch, "libraries", frozenset()),
                        lambda: watch.__setitem__(0, frozenset())):
            with pytest.raises((AttributeError, TypeError)):
                attempt()
        return with_sympy()
    with pytest.raises(LibraryUsed, match="sympy"):
        watched(change_the_watch, ["sympy"])()


def test_the_watchs_functions_and_defaults_cannot_be_replaced_or_read():
    """Between calls too: an earlier cell that disarms the watch for later ones. (A class's
    attributes can be: Python does not audit them; the sandbox is the boundary.)"""
    from adcourse import watch

    attempts = {
        "the keyword defaults, read to be changed in place": lambda: watch.Watched._run.__kwdefaults__,
        "the positional defaults": lambda: watch._guard.__defaults__,
        "a function's code": lambda: setattr(watch._stop, "__code__", (lambda *a: None).__code__),
        "an instance's class": lambda: setattr(watch.watched(len, ["sympy"]), "__class__", tuple),
    }
    for what, attempt in attempts.items():
        with pytest.raises((RuntimeError, TypeError), match="watch|__class__") as raised:
            attempt()
        assert raised.type is RuntimeError or "__class__" in str(raised.value), what
    with pytest.raises(LibraryUsed, match="sympy"):
        watched(with_sympy, ["sympy"])()


def test_a_partial_returned_by_a_watched_call_is_watched_when_called():
    import functools

    returned = watched(lambda: functools.partial(lambda power: str(sympy.diff(X ** power, X)), 3), ["sympy"])()
    with pytest.raises(LibraryUsed, match="sympy"):
        returned()
