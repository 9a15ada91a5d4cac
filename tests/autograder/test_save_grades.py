"""SaveAutoGradesAtOnce writes what nbgrader's SaveAutoGrades writes, with one commit."""
from __future__ import annotations

import copy
import shutil

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades
from sqlalchemy import event

from autograder.course import scripts_on_path
from autograder.preprocessors import SaveAutoGradesAtOnce


def _meta(grade_id: str, *, grade=False, solution=False, task=False, points=0.0, locked=False):
    return {"nbgrader": {"grade_id": grade_id, "grade": grade, "solution": solution, "task": task,
                         "points": points, "locked": locked, "schema_version": 3}}


def _notebook():
    cells = [
        new_code_cell("def f(x):\n    return 2 * x", metadata=_meta("answer_f", solution=True)),
        new_code_cell("def g(x):\n    raise NotImplementedError()", metadata=_meta("answer_g", solution=True)),
        new_code_cell("assert f(1) == 2", metadata=_meta("test_f", grade=True, points=2, locked=True)),
        new_code_cell("assert g(1) == 3", metadata=_meta("test_g", grade=True, points=3, locked=True),
                      outputs=[new_output("error", ename="NotImplementedError", evalue="", traceback=[])]),
        new_markdown_cell("Because ...", metadata=_meta("written", grade=True, solution=True, points=4)),
        new_markdown_cell("Describe ...", metadata=_meta("task", task=True, points=1)),
    ]
    for cell in cells:
        cell.metadata.nbgrader["checksum"] = utils.compute_checksum(cell)
    cells[0].source += "  # answered"  # answer_f was changed, answer_g left as released
    cells[4].source += " it converges."  # the written answer too
    return new_notebook(cells=cells)


def _gradebook(path):
    scripts_on_path()  # a new gradebook asks `alembic` for its schema version
    with Gradebook(f"sqlite:///{path}") as gb:
        gb.add_assignment("ch")
        gb.add_notebook("nb", "ch")
        for name, points, kind in (("test_f", 2, "code"), ("test_g", 3, "code"), ("written", 4, "markdown")):
            gb.add_grade_cell(name, "nb", "ch", max_score=points, cell_type=kind)
        for name in ("answer_f", "answer_g", "written"):
            gb.add_solution_cell(name, "nb", "ch")
        gb.add_task_cell("task", "nb", "ch", max_score=1, cell_type="markdown")
        gb.add_student("ann")
        gb.add_submission("ch", "ann")
        # A grader's hand score, entered before a regrade: it must still need a look.
        gb.find_grade("test_f", "nb", "ch", "ann").manual_score = 1.5
        gb.db.commit()


def _saved(path) -> dict:
    with Gradebook(f"sqlite:///{path}") as gb:
        notebook = gb.find_submission_notebook("nb", "ch", "ann")
        return {"grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments}}


def test_the_same_rows_as_nbgraders_own_with_one_commit(tmp_path):
    _gradebook(tmp_path / "stock.db")
    shutil.copy(tmp_path / "stock.db", tmp_path / "ours.db")
    nb = _notebook()
    from sqlalchemy.engine import Engine

    def commits(run) -> int:
        counted = []
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(Engine, "commit", listener)
        try:
            run()
        finally:
            event.remove(Engine, "commit", listener)
        return len(counted)

    def opened():  # what opening a gradebook commits by itself (nbgrader checks the course)
        with Gradebook(f"sqlite:///{tmp_path / 'stock.db'}"):
            pass

    made = {}
    for name, step in (("stock", SaveAutoGrades()), ("ours", SaveAutoGradesAtOnce())):
        resources = {"nbgrader": {"notebook": "nb", "assignment": "ch", "student": "ann",
                                  "db_url": f"sqlite:///{tmp_path / name}.db"}}
        made[name] = commits(lambda: step.preprocess(copy.deepcopy(nb), resources)) - commits(opened)
    stock, ours = _saved(tmp_path / "stock.db"), _saved(tmp_path / "ours.db")
    assert ours == stock
    # What the rules give, so that the comparison is not of two empty tables:
    assert stock["grades"]["test_f"] == (2.0, 1.5, True)      # passed, hand score kept
    assert stock["grades"]["test_g"] == (0.0, None, False)    # failed
    assert stock["grades"]["written"][0] is None and stock["grades"]["written"][2]  # manual
    assert stock["comments"]["answer_g"] == "No response." and stock["comments"]["answer_f"] is None
    assert made["ours"] == 1 and made["stock"] > 5, made


def test_the_feedback_notebook_gets_the_same_scores_and_comments_as_from_nbgraders_own(tmp_path):
    from nbgrader.preprocessors import GetGrades

    from autograder.preprocessors import GetGradesAtOnce

    _gradebook(tmp_path / "gb.db")
    resources = {"nbgrader": {"notebook": "nb", "assignment": "ch", "student": "ann",
                              "db_url": f"sqlite:///{tmp_path / 'gb.db'}"}}
    SaveAutoGradesAtOnce().preprocess(_notebook(), copy.deepcopy(resources))
    with Gradebook(resources["nbgrader"]["db_url"]) as gb:
        gb.find_comment("answer_f", "nb", "ch", "ann").manual_comment = "Good: the factor is right."
        gb.db.commit()
    stock_nb, stock_resources = GetGrades().preprocess(_notebook(), copy.deepcopy(resources))
    our_nb, our_resources = GetGradesAtOnce().preprocess(_notebook(), copy.deepcopy(resources))
    assert our_resources == stock_resources
    assert [cell.metadata for cell in our_nb.cells] == [cell.metadata for cell in stock_nb.cells]
    found = {cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader for cell in stock_nb.cells}
    assert found["test_f"]["score"] == 1.5 and found["test_f"]["points"] == 2  # the hand score
    assert found["answer_f"]["comment"] == "Good: the factor is right."
    assert found["task"]["points"] == 1 and stock_resources["nbgrader"]["max_score"] == 10
