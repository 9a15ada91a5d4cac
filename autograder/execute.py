"""`SealedExecute`: nbgrader's Execute step, with the tests sealed off from the student.

It replaces `Execute` in nbgrader's autograde pipeline (see nbgrader_config.py):

- the kernel is started in the sandbox (`SandboxKernelManager`), and the protections
  that are active are written to the grade log for every submission;
- the student's cells run in that kernel, in notebook order;
- each test cell runs here instead (`autograder.sealed`), from the source kept in
  the gradebook, never from the submitted notebook, with the student's exercise
  names standing for proxies into the kernel; its outputs and error are written
  into the cell, so nbgrader's SaveAutoGrades scores it as usual;
- a test cell that failed at its place runs once more after the last cell
  (`autograder.sealed.judged_again`): an answer is judged as the finished notebook
  defines it, and the second verdict stands if it passes;
- if the kernel dies, or stops answering after a timeout, the cells after it are
  marked as not run and score zero, while what was graded before keeps its points.
"""
from __future__ import annotations

import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Integer, default

from adcourse import wire
from adcourse.i18n import N_, _

from .hidden import banned_by
from .notebook import HIDDEN_DELIMITER
from .sandbox.kernel import SandboxKernelManager
from .sealed import AGAIN, Bridge, KernelUnavailable, exercise_names, judged_again, run_test_cell


#: Messages whose content nbclient keeps (in outputs or widget state).
_KEPT_MESSAGES = {"stream", "display_data", "execute_result", "update_display_data", "comm_open", "comm_msg"}


def _content_size(value, limit: int) -> int:
    """About how many characters `value` holds (strings, and the items of containers),
    counted only up to `limit`."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray, memoryview)):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
    return total


def _error(ename: str, evalue: str, traceback: list[str] | None = None):
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback or [f"{ename}: {evalue}"])


#: The tag of a cell that only shows something (a timing, a plot of costs) and defines
#: nothing a later cell uses: grading does not run it (it would cost every submission its
#: seconds and change no grade). Only cells outside nbgrader's (no answer, no test) count.
DEMONSTRATION = "demonstration"
NOT_RUN_WHEN_GRADED = N_("(a demonstration: not run when the notebook is graded)")


def is_demonstration(cell) -> bool:
    """A code cell tagged `DEMONSTRATION` that is neither an answer nor a test."""
    metadata = cell.get("metadata", {})
    return (cell.get("cell_type") == "code" and DEMONSTRATION in (metadata.get("tags") or [])
            and not metadata.get("nbgrader"))


class SealedExecute(Execute):
    """Execute the student's cells in a sandboxed kernel and the test cells in the grader."""

    output_budget = Integer(8_000_000, help="characters of output (text, rich data, widget state) "
                                            "a notebook's cells may produce in all; what comes past "
                                            "it is dropped as it arrives").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)

    @default("shutdown_kernel")
    def _kill_when_done(self):
        # The kernel is thrown away after its notebook: kill it rather than wait for it.
        return "immediate"

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxKernelManager):
            km.banned = list(self._banned)
        return km

    # --- what the gradebook says ------------------------------------------------------
    def _load_tests(self, resources) -> None:
        from nbgrader.api import Gradebook

        info = resources.get("nbgrader", {})
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            graded = {cell.name for cell in notebook.grade_cells}
            answers = {cell.name for cell in notebook.solution_cells}
            code = [cell for cell in notebook.source_cells if cell.cell_type == "code"]
            # Test cells: graded, not answers (a graded answer is a written one).
            self._tests = {c.name: c.source for c in code if c.name in graded - answers}
            self._banned = banned_by(self._tests.values())
            self._answer_cells = answers
            self._student_names = exercise_names([c.source for c in code if c.name in answers])

    # --- the run ------------------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        self._stopped = None
        self._bridge = None
        self._again: list = []  # (cell, grade_id) of the test cells that failed at their place
        self._cell_seconds = 0.0
        self._output_chars, self._output_dropped = 0, 0
        self._load_tests(resources)
        found = dict(SandboxKernelManager(parent=self).protections())
        if self._banned:
            libraries = ", ".join(self._banned)
            found["ban"] = (f"{libraries}: unreadable in the kernel" if found["landlock"].startswith("on")
                            else f"{libraries}: watched in the kernel only (without Landlock it can read them)")
        self.log.info("sandbox for %s: %s", resources.get("nbgrader", {}).get("student", "?"),
                      "; ".join(f"{k} {v}" for k, v in found.items()))
        # Replaced whole: what a submission put there (a forged "stopped") is never read back.
        nb.metadata["autograder"] = {"sandbox": found}
        # The hidden inputs of this submission: drawn with a salt of the assignment, the
        # student and what the answer cells hold (autograder.cases.generator).
        from .cases import SALT, salt_for

        info = (resources or {}).get("nbgrader", {})
        answers = [cell.source for cell in nb.cells
                   if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in self._answer_cells]
        salt = SALT.set(salt_for(f"{info.get('assignment', '')}/{info.get('notebook', '')}",
                                 info.get("student", ""), answers))
        try:
            nb, resources = super().preprocess(nb, resources, km)
            # Time spent in the cells (the student's and the tests): the floor of a notebook's cost.
            nb.metadata["autograder"]["timing"] = {"cells": round(self._cell_seconds, 4)}
            if self._stopped:
                nb.metadata["autograder"]["stopped"] = self._stopped
            return nb, resources
        except Exception as exc:  # a kernel that cannot start must not stop the batch
            self.log.error("could not run the notebook: %s", exc)
            self._stopped = _("the notebook could not be run ({error})").format(error=f"{type(exc).__name__}: {exc}")
            for cell in nb.cells:
                if cell.cell_type == "code" and utils.is_grade(cell) and not cell.get("outputs"):
                    cell.outputs = [_error("NotGraded", self._stopped)]
            nb.metadata["autograder"]["stopped"] = self._stopped
            return nb, resources
        finally:
            SALT.reset(salt)
            if self._bridge is not None:
                self._bridge.client.stop_channels()  # its channel: closed by the provisioner

    def process_message(self, msg, cell, cell_index):
        # nbclient keeps every output message until its cell ends: bound what is kept as it
        # arrives, so a cell printing for minutes costs the grader no more than the budget.
        if msg.get("msg_type") in _KEPT_MESSAGES:
            size = _content_size(msg.get("content"), self.output_budget)
            if self._output_chars + size > self.output_budget:
                if not self._output_dropped:
                    cell.setdefault("outputs", []).append(new_output(
                        "stream", name="stdout",
                        text="\n[" + _("the notebook's output passed {count} characters: the rest was "
                                        "dropped while it ran").format(count=f"{self.output_budget:,}") + "]\n"))
                self._output_dropped += size
                return None
            self._output_chars += size
        return super().process_message(msg, cell, cell_index)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            if index == len(self.nb.cells) - 1:
                self._judge_again()
            return cell, resources
        start = time.perf_counter()
        try:
            return self._preprocess_code_cell(cell, resources, index)
        finally:
            if index == len(self.nb.cells) - 1:
                self._judge_again()
            self._cell_seconds += time.perf_counter() - start

    def _judge_again(self) -> None:
        """The test cells that failed at their place on an undefined name, run once more on the
        finished notebook, with inputs drawn anew (`AGAIN`)."""
        from .cases import SALT

        again, self._again = self._again, []
        if not again or self._stopped:
            return
        token = SALT.set(f"{SALT.get()}{AGAIN}")
        try:
            for cell, grade_id in again:
                first = list(cell.outputs)
                self._run_test(cell, grade_id, again=True)
                if any(output.get("output_type") == "error" for output in cell.outputs):
                    cell.outputs = first  # failed again: the feedback is what failed at its place
                else:
                    cell.outputs.insert(0, new_output(
                        "stream", name="stdout", text=_("(judged after the notebook's last cell: it uses "
                                                        "what a later cell defines)") + "\n"))
                if self._stopped:
                    break
        finally:
            SALT.reset(token)
            # Every cell has its verdict by now: a kernel lost during a second try stops nothing.
            self._stopped = None

    def _preprocess_code_cell(self, cell, resources, index):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        is_test = utils.is_grade(cell) and grade_id in self._tests
        if self._stopped:
            cell.outputs = [_error("NotGraded", self._stopped)] if utils.is_grade(cell) else []
            return cell, resources
        if is_demonstration(cell):
            cell.outputs = [new_output("stream", name="stdout", text=_(NOT_RUN_WHEN_GRADED) + "\n")]
            return cell, resources
        if is_test:
            return self._run_test(cell, grade_id), resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError) as exc:
            self._stopped = _("the kernel died in an earlier cell ({error})").format(error=type(exc).__name__)
            cell.outputs.append(_error(type(exc).__name__, str(exc)[:500]))
            return cell, resources

    # --- a test cell --------------------------------------------------------------------
    def _bridge_to_kernel(self) -> Bridge:
        if self._bridge is None:
            import zmq
            from jupyter_client import BlockingKernelClient
            from jupyter_core.utils import run_sync

            from .sealed import MAX_KERNEL_MESSAGE

            # The grader's sockets to this kernel drop any message longer than
            # MAX_KERNEL_MESSAGE (ZeroMQ disconnects the peer; the test then fails on
            # its deadline), so jupyter_client never deserialises more than that.
            context = zmq.Context()
            context.setsockopt(zmq.MAXMSGSIZE, MAX_KERNEL_MESSAGE)
            context.setsockopt(zmq.SNDTIMEO, 10_000)  # a dropped connection fails, not blocks
            client = BlockingKernelClient(context=context)
            client.load_connection_info(self.km.get_connection_info(session=False))
            client.start_channels()
            process = getattr(self.km.provisioner, "process", None)
            self._bridge = Bridge(client,
                                  alive=lambda: process is None or process.poll() is None,
                                  interrupt=lambda: run_sync(self.km.interrupt_kernel)(),
                                  channel=getattr(self.km.provisioner, "grader_channel", None))
        return self._bridge

    def _run_test(self, cell, grade_id: str, again: bool = False):
        source = self._tests[grade_id]
        hidden = HIDDEN_DELIMITER in source
        bridge = self._bridge_to_kernel()
        outputs, error = run_test_cell(bridge, source, f"test {grade_id}", self._student_names,
                                       float(self.timeout or 120))
        cell.outputs = [new_output("stream", name=name, text=text) for name, text in outputs]
        cell.execution_count = None
        if error is not None:
            ename = getattr(error, "ename", type(error).__name__)
            evalue = str(error)
            trace = [f"{ename}: {evalue}"]
            if not hidden:
                line = _failing_line(error, source, f"<test {grade_id}>")
                trace = ([f"in the test: {line}"] if line else []) + trace
            cell.outputs.append(_error(ename, evalue, trace))
            if isinstance(error, KernelUnavailable):
                self._recover(bridge, str(error))
            elif not again and judged_again(error):
                self._again.append((cell, grade_id))
        return cell

    def _recover(self, bridge: Bridge, reason: str) -> None:
        """After a timeout, carry on only if the kernel answers again."""
        try:
            bridge.begin(10)
            bridge.request({"op": wire.LOOKUP, "names": []})
        except Exception:
            self._stopped = _("the kernel stopped answering ({reason})").format(reason=reason)
        finally:
            bridge.end()


def _failing_line(error: BaseException, source: str, filename: str) -> str:
    import traceback

    lines = source.splitlines()
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename == filename and 0 < frame.lineno <= len(lines):
            return f"`{lines[frame.lineno - 1].strip()}` (line {frame.lineno})"
    return ""
