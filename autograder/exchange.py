"""`nbgrader collect` for an exchange that every student can write to.

A student's submission is a folder in the exchange's `inbound/`, which every account
may write and which nobody but the instructor lists. Whoever writes there chooses the
folder's name (`<student>+<assignment>+<timestamp>+<random>`) and what is in it, and
stock nbgrader's collect copies that folder, as the instructor, with `shutil.copytree`:
a symbolic link in it to the instructor's `solutions/`, to another student's
`submitted/` notebook or to `/dev/zero` is followed, a FIFO blocks the copy, and any
file travels (a `numpy.py` or a `sitecustomize.py` then sits beside the notebook when
it is graded). `SafeCollect` replaces that copy; `nbgrader_config.py` makes it nbgrader's
collect (`c.ExchangeFactory.collect`), so `nbgrader collect` and the formgrader's
*Collect* button use it.

It collects, from each student's latest submission, only regular files named
`*.ipynb` directly in the student's own folder, and never follows a link:

- the folder is opened with O_NOFOLLOW|O_DIRECTORY and each file relative to it with
  O_NOFOLLOW|O_NONBLOCK, and what was opened is checked with fstat (a regular file,
  the file that was listed, one link to it, not larger than `max_notebook_size`), then
  at most that many bytes are read: nothing can be swapped between check and copy;
- a folder that is a symbolic link, a link, a FIFO, a device, a socket, a hard link
  (a second name of another file), an oversized notebook, a folder inside the
  submission and every other file are refused, each with one line in the log that
  names the student, the file and why. Names chosen by students are printed escaped,
  never with their raw control characters;
- where the folder's owner is an account, a folder whose owner is not the student
  it is named for is refused before the latest submission is chosen, so a folder
  written by someone else neither impersonates a student nor hides that student's
  own submission (`check_owner`: off for deployments in which every student has
  the same uid, such as one container image for all);
- nbgrader's own records travel as such: `timestamp.txt` is written from the
  submission's name (the time by which it was chosen), `submission_secret.txt`
  (with which the student fetches the feedback) only if it is a short hexadecimal
  string.

Everything else is the stock command's: which submission of a student is collected
(the latest, or with `--before-duedate` the latest before the due date), `--update`,
`--student`, the log lines of what was collected.
"""
from __future__ import annotations

import datetime
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import check_mode, parse_utc
from traitlets import Bool, Integer

from .text import printable

if sys.platform != "win32":
    import pwd
else:  # pragma: no cover (nbgrader's exchange does not run on Windows)
    pwd = None

#: What a student id (the first part of a submission's name) may be: it becomes a folder
#: of submitted/, so never "." or "..", never a control character.
STUDENT_ID = re.compile(r"\w[\w.@+-]{0,254}")
#: nbgrader's records in a submission, besides the notebooks.
TIMESTAMP, SECRET = "timestamp.txt", "submission_secret.txt"
#: How timestamp.txt is written: nbgrader's default format, in UTC (parse_utc's result).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
SECRET_TEXT = re.compile(r"[0-9a-fA-F]{16,1024}")
#: Refusals logged one by one for one submission; past that, one line counts the rest.
LOGGED_PER_SUBMISSION = 25
#: How much later than its name's time a submission folder may have been written.
CLOCK_SKEW = datetime.timedelta(minutes=10)
#: Refused folders logged one by one in one collect; past that, one line counts the rest.
LOGGED_FOLDERS = 200

_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def kind(mode: int) -> str:
    """What a file of this st_mode is, for a log line."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "not a regular file"


class Refused(Exception):
    """A file or folder of a submission that is not collected; the message says why."""


@dataclass
class Submission:
    """One folder of inbound/ that names this assignment, as it was listed."""

    filename: str
    username: str
    timestamp: datetime.datetime
    device: int
    inode: int
    uid: int


class SafeCollect(ExchangeCollect):
    """nbgrader's collect that copies only the notebooks in each student's own folder.

    See the module's documentation for what is refused and why.
    """

    max_notebook_size = Integer(
        32 * 1024 * 1024,
        help="Largest notebook, in bytes, that is collected; a larger one is refused.",
    ).tag(config=True)

    check_owner = Bool(
        True,
        help="Refuse a submission whose folder is owned by an account other than the student "
             "it is named for (a folder whose owner uid is no account cannot be told and is "
             "collected). Turn it off where every student has the same uid, for instance "
             "one container image for all.",
    ).tag(config=True)

    # -- which submissions -------------------------------------------------------------

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        # inbound/ itself is the instructor's (release_assignment made it): opened as it is,
        # and every submission is then opened relative to this descriptor.
        self._inbound = os.open(self.inbound_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._owners: dict[int, str | None] = {}
        self._refused_folders = 0

        try:
            submissions: dict[str, list[Submission]] = {}
            for name in sorted(os.listdir(self._inbound)):
                submission = self._listed(name)
                if submission is not None:
                    submissions.setdefault(submission.username, []).append(submission)
            if self._refused_folders > LOGGED_FOLDERS:
                self.log.warning("Refused %d more folders of inbound/ (only the first %d are listed)",
                                 self._refused_folders - LOGGED_FOLDERS, LOGGED_FOLDERS)
            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                try:
                    self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
                except MissingEntry:
                    self.duedate = None
        except BaseException:
            os.close(self._inbound)
            raise
        self.src_records = []
        for records in submissions.values():
            records = sorted(records, key=lambda r: r.timestamp, reverse=True)
            if self.duedate is not None and self.before_duedate:
                records = [r for r in records if r.timestamp <= self.duedate] or records
            self.src_records.append(records[0])

    def _listed(self, name: str) -> Submission | None:
        """The submission that inbound/`name` is; None if it is not one of this assignment's
        or is refused (with a line in the log)."""
        assignment = self.coursedir.assignment_id
        parts = name.rsplit("+", 3)
        if len(parts) != 4 or parts[1] != assignment:
            parts = name.rsplit("+", 2)
            if len(parts) != 3 or parts[1] != assignment:
                return None
        username, timestamp_text = parts[0], parts[2]
        if self.coursedir.student_id and self.coursedir.student_id != "*" \
                and username != self.coursedir.student_id:
            return None
        try:
            if not STUDENT_ID.fullmatch(username):
                raise Refused("its name holds no valid student id (letters, digits and _.@+- only)")
            try:
                timestamp = parse_utc(timestamp_text)
            except (ValueError, OverflowError, TypeError):
                raise Refused("its name holds no timestamp") from None
            try:
                info = os.stat(name, dir_fd=self._inbound, follow_symlinks=False)
            except OSError as error:
                raise Refused(f"it cannot be read ({error.strerror})") from None
            if not stat.S_ISDIR(info.st_mode):
                raise Refused(f"it is {kind(info.st_mode)}, not a folder")
            if self.check_owner:
                owner = self._owner(info.st_uid)
                if owner is not None and owner != username:
                    raise Refused(f"its folder is owned by {printable(owner)}, not by the student it names "
                                  "(ExchangeCollect.check_owner)")
            # The name's time is the student's to choose: a folder written later than its
            # name says (beyond clock skew) is collected as of when it was written, so that
            # a late submission cannot be backdated past the due date.
            written = datetime.datetime.fromtimestamp(info.st_ctime, datetime.timezone.utc).replace(tzinfo=None)
            if written - timestamp > CLOCK_SKEW:
                self.log.warning("%s: its name says %s, its folder was written at %s: collected as "
                                 "submitted then", self._where(name, username), timestamp, written)
                timestamp = written
        except Refused as why:
            self._refused_folders += 1
            if self._refused_folders <= LOGGED_FOLDERS:
                self.log.warning("Refused %s: %s", self._where(name, username), why)
            return None
        return Submission(name, username, timestamp, info.st_dev, info.st_ino, info.st_uid)

    def _owner(self, uid: int) -> str | None:
        if uid not in self._owners:
            try:
                self._owners[uid] = pwd.getpwuid(uid).pw_name if pwd is not None else None
            except KeyError:
                self._owners[uid] = None
                self.log.debug("uid %d owns a submission and is no account: its owner cannot be told", uid)
        return self._owners[uid]

    def _where(self, filename: str, student: str | None = None) -> str:
        where = f"inbound/{printable(filename)}"
        return f"{where} (student {printable(student)})" if student else where

    # -- copying -----------------------------------------------------------------------

    def copy_files(self):
        try:
            self._copy_all()
        finally:
            os.close(self._inbound)

    def _copy_all(self):
        assignment = self.coursedir.assignment_id
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect", assignment,
                             self.coursedir.course_id)
        else:
            self.log.info("Processing %d submissions of '%s' for course '%s'", len(self.src_records),
                          assignment, self.coursedir.course_id)
        for rec in self.src_records:
            student = rec.username
            dest_path = self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
            copy = updating = False
            if os.path.isdir(dest_path):
                existing = self.coursedir.get_existing_timestamp(dest_path)
                newer = self.update and (existing is None or rec.timestamp > existing)
                if newer or (self.before_duedate and existing != rec.timestamp):
                    copy = updating = True
            else:
                copy = True
            if not copy:
                if self.update:
                    self.log.info("No newer submission to collect: %s %s", student, assignment)
                else:
                    self.log.info("Submission already exists, use --update to update: %s %s",
                                  student, assignment)
                continue
            self.log.info("%s submission: %s %s", "Updating" if updating else "Collecting", student, assignment)
            try:
                self.do_copy(rec, dest_path)
            except Refused as why:
                self.log.warning("Refused %s: %s", self._where(rec.filename, student), why)

    def do_copy(self, src, dest, log=None):
        """Collect the notebooks of submission `src` (a listed Submission) into folder `dest`.

        The files go to a new folder beside `dest`, which then replaces `dest`: a
        submission of which nothing is collected leaves `dest` as it was.
        """
        folder = self._open_folder(src)
        parent = os.path.dirname(dest)
        new_parent = not os.path.isdir(parent)
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}.collecting-", dir=parent)
        try:
            notebooks = self._copy_notebooks(folder, src, staging)
            if not notebooks:
                shutil.rmtree(staging)
                if new_parent:
                    os.rmdir(parent)  # no empty submitted/<student>/ for a student of whom nothing came
                raise Refused("nothing collected: the submission holds no notebook that can be collected")
            with open(os.path.join(staging, TIMESTAMP), "w", encoding="utf-8") as fh:
                fh.write(src.timestamp.strftime(TIMESTAMP_FORMAT))
            os.chmod(staging, 0o755)
            if self.coursedir.groupshared:
                self._share(staging)
            if os.path.isdir(dest):
                shutil.rmtree(dest)
            os.rename(staging, dest)
        finally:
            os.close(folder)
            shutil.rmtree(staging, ignore_errors=True)

    def _open_folder(self, src: Submission) -> int:
        try:
            folder = os.open(src.filename, _OPEN_DIRECTORY, dir_fd=self._inbound)
        except OSError as error:
            raise Refused(f"its folder cannot be opened without following a link ({error.strerror})") from None
        info = os.fstat(folder)
        if (info.st_dev, info.st_ino, info.st_uid) != (src.device, src.inode, src.uid):
            os.close(folder)
            raise Refused("its folder was replaced while it was being collected")
        return folder

    def _copy_notebooks(self, folder: int, src: Submission, staging: str) -> list[str]:
        collected, refused, total = [], 0, 0
        budget = 1000 * self.coursedir.max_dir_size  # nbgrader's bound on a submission, in kB

        def refuse(name: str, why: str) -> None:
            nonlocal refused
            refused += 1
            if refused <= LOGGED_PER_SUBMISSION:
                self.log.warning("Refused %s in %s: %s", printable(name),
                                 self._where(src.filename, src.username), why)

        for name in sorted(os.listdir(folder)):
            if name == TIMESTAMP:
                continue  # written from the submission's name
            try:
                if name == SECRET:
                    text = self._read(folder, name, src, 4096).decode("ascii", "replace").strip()
                    if not SECRET_TEXT.fullmatch(text):
                        raise Refused("not nbgrader's submission secret (a hexadecimal string)")
                    self._write(staging, name, text.encode("ascii"), None)
                    continue
                if not name.endswith(".ipynb"):
                    raise Refused(self._describe(folder, name) + ", not a notebook (only *.ipynb files are collected)")
                if name.startswith(".") or not name.isprintable():
                    raise Refused("a notebook's name may not start with '.' or hold control characters")
                data, times = self._read(folder, name, src, self.max_notebook_size, times=True)
                if total + len(data) > budget:
                    raise Refused(f"the submission's notebooks pass {budget} bytes (CourseDirectory.max_dir_size)")
                total += len(data)
                self._write(staging, name, data, times)
                collected.append(name)
            except Refused as why:
                refuse(name, str(why))
        if refused > LOGGED_PER_SUBMISSION:
            self.log.warning("Refused %d more files in %s", refused - LOGGED_PER_SUBMISSION,
                             self._where(src.filename, src.username))
        return collected

    def _describe(self, folder: int, name: str) -> str:
        try:
            return kind(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
        except OSError:
            return "a file"

    def _read(self, folder: int, name: str, src: Submission, limit: int, times: bool = False):
        """At most `limit` bytes of the regular file `name` of the submission's folder."""
        try:
            listed = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError as error:
            raise Refused(f"cannot be read ({error.strerror})") from None
        if not stat.S_ISREG(listed.st_mode):
            raise Refused(f"{kind(listed.st_mode)} (only regular files are collected)")
        try:
            fd = os.open(name, _OPEN_FILE, dir_fd=folder)
        except OSError as error:
            raise Refused(f"cannot be opened without following a link ({error.strerror})") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{kind(info.st_mode)} (only regular files are collected)")
            if (info.st_dev, info.st_ino) != (listed.st_dev, listed.st_ino):
                raise Refused("was replaced while it was being collected")
            if info.st_nlink != 1:
                raise Refused(f"a hard link ({info.st_nlink} names for one file; only a file of its own "
                              "is collected)")
            if self.check_owner and info.st_uid != src.uid:
                raise Refused("owned by another account than the submission's folder")
            if info.st_size > limit:
                raise Refused(f"{info.st_size} bytes, more than the {limit} collected "
                              "(SafeCollect.max_notebook_size)")
            chunks, size = [], 0
            while size <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                raise Refused(f"grew past {limit} bytes while it was read (SafeCollect.max_notebook_size)")
            data = b"".join(chunks)
            return (data, (info.st_atime_ns, info.st_mtime_ns)) if times else data
        finally:
            os.close(fd)

    @staticmethod
    def _write(staging: str, name: str, data: bytes, times) -> None:
        path = os.path.join(staging, name)
        with open(path, "xb") as fh:
            fh.write(data)
        os.chmod(path, 0o644)
        if times is not None:
            os.utime(path, ns=times)

    @staticmethod
    def _share(path: str) -> None:
        """As stock nbgrader's copy does for a group-shared course: the group may write."""
        os.chmod(path, (os.stat(path).st_mode | 0o2770) & 0o2777)
        for name in os.listdir(path):
            file = os.path.join(path, name)
            os.chmod(file, (os.stat(file).st_mode | 0o660) & 0o777)
