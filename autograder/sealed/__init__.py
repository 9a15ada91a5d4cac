"""Sealed test cells: tests run in the grader, the student's code in the kernel.

A test cell is executed here, in the grading process, with the real NumPy, the
real checking API and the references; the names of the student's exercises (and
only those) stand for `Remote` proxies. Calling a proxy asks the kernel, through
`adcourse.remote`, to compute the student's answer on those inputs; only data comes
back (`adcourse.wire`). So patching NumPy or IPython, redefining a helper, or
rewriting the checking API in the kernel changes nothing a test decides: all the
student's code can do is give answers, and a missing or malformed answer fails.

What the grader relies on, and what it does not:

- **Verdicts are computed here, on data.** A proxy is never data: comparing one
  (`==`, `<`, ...), asking its truth value or making an array of it raises `NotData`
  instead of asking the student's `__eq__` or `__lt__`, and `check_close` and `compare`
  fail an answer that is (or holds) a proxy. Attributes, items and arithmetic of a
  student's object are answers, computed in the kernel and judged here (private names
  are refused: libraries look for their protocols by them). Text from the kernel is
  never run: SymPy here parses no string (`refuse_sympy_text`).
- **Time limits are kept from outside.** Each request waits at most until the test
  cell's deadline, and a call with its own limit (`Remote.within`, `compare(...,
  seconds=)`) at most that many seconds: each such call is a request of its own, and
  when its time is up the kernel is interrupted and the call fails with
  TimeLimitExceeded ("did not finish within N s"), whatever the kernel did to its own
  timers and signal handlers; a kernel that ignores the interrupt too is treated as
  unavailable. The test's functions that the kernel calls back run here within the
  test's remaining time (SIGALRM in the grader's main thread), and fail when it runs out.
- **Sizes are checked before anything is parsed.** The grader's sockets to a kernel
  drop messages over `MAX_KERNEL_MESSAGE` (64 MiB, ZeroMQ's MAXMSGSIZE: the peer is
  disconnected before jupyter_client deserialises anything; the test then fails on its
  deadline); a reply or a callback request is JSON text of at most
  `wire.MAX_MESSAGE_CHARS` (24 MiB, room for `wire.MAX_ARRAY_BYTES`, 16 MiB, of arrays in
  base64) and `wire.MAX_VALUES` values, checked before `json.loads`; nothing is evaluated.
- **Banned libraries cannot run in the kernel.** A chapter's hidden tests name the
  libraries no answer may use (`BANNED`, collected by `autograder.hidden.banned_by`);
  the kernel's sandbox cannot read them and `import` gives a stand-in that says so
  (`adcourse.unavailable`). `Remote.watching` also runs each such call under
  `adcourse.remote.watched`, an in-kernel watch whose verdict comes from the kernel:
  it names the library in the feedback, and it is the only ban where the sandbox has
  no Landlock.

`Loopback` is a `Bridge` whose kernel end runs in this process, on a dict of the
student's names: the same requests, replies and callbacks, for tests of the checking
API and of hidden tests (`tests/loopback.py`), without a kernel.
"""
from __future__ import annotations

from ._bridge import (CHANNEL_SEND_TIMEOUT, INTERRUPT_GRACE, KERNEL_DIED, MAX_KERNEL_MESSAGE, OUTPUT_GRACE,
                      OUTPUT_LIMIT, OVERSIZED, SERVE, SHELL_READ_SLICE, Bridge, Loopback, _within)
from ._cells import AGAIN, GRADER_GRACE, TRUSTED, judged_again, refuse_sympy_text, run_test_cell, trusted_namespace
from ._proxy import (CallbackTimeLimit, ExerciseNames, GraderTimeLimit, KernelUnavailable, NotData, Remote,
                     RemoteError, exercise_names, in_kernel)

__all__ = ["CHANNEL_SEND_TIMEOUT", "INTERRUPT_GRACE", "KERNEL_DIED", "MAX_KERNEL_MESSAGE", "OUTPUT_GRACE",
           "OUTPUT_LIMIT", "OVERSIZED", "SERVE", "SHELL_READ_SLICE", "Bridge", "Loopback", "_within",
           "AGAIN", "GRADER_GRACE", "TRUSTED", "judged_again", "refuse_sympy_text", "run_test_cell", "trusted_namespace",
           "CallbackTimeLimit", "ExerciseNames", "GraderTimeLimit", "KernelUnavailable", "NotData", "Remote",
           "RemoteError", "exercise_names", "in_kernel"]
