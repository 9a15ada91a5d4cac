"""nbgrader preprocessors that the course adds to stock nbgrader's pipelines.

They are listed in `nbgrader_config.py`, so stock `nbgrader autograde` and
`nbgrader generate_feedback` run in the course root use them as well as the
`autograder` command does.
"""
from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


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
