"""nbgrader preprocessors that the course adds to stock nbgrader's pipelines.

They are listed in `nbgrader_config.py`, so stock `nbgrader autograde` and
`nbgrader generate_feedback` run in the course root use them as well as the
`autograder` command does.
"""
from __future__ import annotations


from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, GetGrades, NbGraderPreprocessor, SaveAutoGrades
from traitlets import Integer

from adcourse.i18n import N_, translated

from .i18n import notebook_language


#: The stubs that replace a solution in a student notebook: "# YOUR CODE HERE" and
#: "YOUR ANSWER HERE" (nbgrader_config.py), in the notebook's language.
CODE_STUB, TEXT_STUB = N_("YOUR CODE HERE"), N_("YOUR ANSWER HERE")


class TranslatedClearSolutions(ClearSolutions):
    """nbgrader's ClearSolutions, whose stubs are in the language a translated edition's
    metadata names (`autograder.i18n.translate` sets it): "# 在此处编写你的代码"."""

    def preprocess(self, nb, resources):
        language = notebook_language(nb)
        if language is None:
            return super().preprocess(nb, resources)
        code, text = dict(self.code_stub), self.text_stub
        self.code_stub = {kernel: stub.replace(CODE_STUB, translated(CODE_STUB, language))
                          for kernel, stub in code.items()}
        self.text_stub = text.replace(TEXT_STUB, translated(TEXT_STUB, language))
        try:
            return super().preprocess(nb, resources)
        finally:
            self.code_stub, self.text_stub = code, text


class ForgiveStderr(NbGraderPreprocessor):
    """Keep a passing test cell's points when the code it runs writes to stderr.

    Stock nbgrader gives zero to any test cell with output on stderr, so a correct
    answer that emits a warning or a debug print loses its points. This moves such
    output to stdout, each line marked "[stderr]", after execution and before the
    grades are saved. A test that failed still has its error output and scores zero.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
                    output["text"] = "".join(f"[stderr] {line}" for line in
                                             output.get("text", "").splitlines(keepends=True))
        return cell, resources


class HideHiddenTests(ClearHiddenTests):
    """Feedback for students: hidden test code removed, and no traceback that shows it.

    nbgrader's feedback is made from the autograded notebook, in which the hidden
    tests were restored. This removes the hidden region from every test cell (as
    when the assignment was generated) and, in those cells, reduces an error to its
    one-line message ("CheckFailure: ..."), which says what was wrong without the
    test's source.
    """

    def preprocess_cell(self, cell, resources, index):
        had_hidden = cell.cell_type == "code" and self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, index)
        if had_hidden:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class RepairCellMetadata(NbGraderPreprocessor):
    """Make a submitted notebook's nbgrader metadata what the gradebook says it is.

    Runs first when a submission is sanitized, so that nothing a student did to the
    metadata can stop the batch or change what is graded: a cell whose grade_id the
    gradebook knows gets that cell's metadata back (any schema version, flags or
    points the student changed are replaced); a second cell with the same grade_id,
    or a cell with a grade_id the gradebook does not know, loses its nbgrader
    metadata and becomes an ordinary cell (it is run, never graded); metadata that
    is not even a dictionary is dropped. (nbgrader's OverwriteCells then restores
    the sources and cell types, and adds back the cells that were deleted.)
    """

    def preprocess(self, nb, resources):

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            grades = {cell.name: cell.max_score for cell in notebook.grade_cells}
            solutions = {cell.name for cell in notebook.solution_cells}
            tasks = {cell.name: cell.max_score for cell in notebook.task_cells}
            sources = {cell.name: cell for cell in notebook.source_cells}
            self._canonical = {}
            for name, source in sources.items():
                meta = {"grade": name in grades, "grade_id": name, "locked": bool(source.locked),
                        "schema_version": 3, "solution": name in solutions, "task": name in tasks}
                if name in grades or name in tasks:
                    meta["points"] = grades.get(name, tasks.get(name))
                self._canonical[name] = meta
        self._seen = set()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {})
        if "nbgrader" not in meta:
            return cell, resources
        nbgrader = meta["nbgrader"]
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if not isinstance(grade_id, str) or grade_id not in self._canonical or grade_id in self._seen:
            self.log.warning("cell %s: nbgrader metadata removed (unknown or repeated grade_id %r)",
                             index, grade_id)
            del meta["nbgrader"]
            return cell, resources
        self._seen.add(grade_id)
        meta["nbgrader"] = dict(self._canonical[grade_id])
        return cell, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Bound what a graded notebook (and so its feedback) keeps of each cell's output.

    nbgrader's LimitOutput counts lines; a single 50 MB line passes it whole. This
    cuts every text output to `max_chars` characters (keeping its beginning and end),
    drops any rich output larger than `max_bytes`, and cuts tracebacks line by line.
    """

    max_chars = Integer(10_000, help="characters kept of one text output").tag(config=True)
    max_bytes = Integer(2_000_000, help="largest image or rich output kept").tag(config=True)

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        half = self.max_chars // 2
        return f"{text[:half]}\n... {len(text) - 2 * half} characters removed ...\n{text[-half:]}"

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                output["text"] = self._cut(output.get("text", ""))
            elif kind == "error":
                output["evalue"] = self._cut(output.get("evalue", ""))
                output["traceback"] = [self._cut(line) for line in output.get("traceback", [])][:200]
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                for mime in list(data):
                    value = data[mime]
                    size = len(value) if isinstance(value, str) else len(str(value))
                    if mime.startswith("text/"):
                        data[mime] = self._cut(value if isinstance(value, str) else "".join(value))
                    elif size > self.max_bytes:
                        del data[mime]
                        data.setdefault("text/plain", f"[{mime} output of {size} bytes removed]")
        return cell, resources


class SaveAutoGradesAtOnce(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with one query and one commit per notebook.

    Stock SaveAutoGrades looks each grade and comment up with a query of its own and
    commits after each (about 60 round trips to the database for a chapter). This reads
    the submission's grades and comments once and commits once, with the same rules:
    the auto score from `utils.determine_grade`, "needs manual grade" when a hand score
    exists or there is no auto score, and "No response." for an answer cell left as
    released (not a task).
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        with Gradebook(self.db_url) as gb:
            notebook = gb.find_submission_notebook(self.notebook_id, self.assignment_id, self.student_id)
            self._grades = {grade.name: grade for grade in notebook.grades}
            self._comments = {comment.name: comment for comment in notebook.comments}
            nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
            gb.db.commit()
        return nb, resources

    def _add_score(self, cell, resources) -> None:
        grade = self._grades[cell.metadata["nbgrader"]["grade_id"]]
        grade.auto_score, _ = utils.determine_grade(cell, self.log)
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None

    def _add_comment(self, cell, resources) -> None:
        comment = self._comments[cell.metadata["nbgrader"]["grade_id"]]
        unchanged = cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell)
        comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None


class GetGradesAtOnce(GetGrades):
    """nbgrader's GetGrades (scores and comments into the notebook, for its feedback page),
    reading the submission's grades and comments with one query instead of one per cell."""

    def preprocess(self, nb, resources):
        self._grades = self._comments = None
        return super().preprocess(nb, resources)

    def _of_submission(self) -> None:
        if self._grades is None:
            notebook = self.gradebook.find_submission_notebook(self.notebook_id, self.assignment_id,
                                                               self.student_id)
            self._grades = {grade.name: grade for grade in notebook.grades}
            self._comments = {comment.name: comment for comment in notebook.comments}

    def _get_comment(self, cell, resources) -> None:
        self._of_submission()
        cell.metadata.nbgrader["comment"] = self._comments[cell.metadata["nbgrader"]["grade_id"]].comment

    def _get_score(self, cell, resources) -> None:
        self._of_submission()
        grade = self._grades[cell.metadata["nbgrader"]["grade_id"]]
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
