"""nbgrader configuration of the course; the repository root is the course root.

Stock nbgrader commands run here (generate_assignment, autograde,
generate_feedback, export, the formgrader) read this file, so they grade exactly
as `autograder grade` does.
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearMarkScheme, ClearOutput, ComputeChecksums,
                                    DeduplicateIds, IgnorePattern, IncludeHeaderFooter,
                                    InstantiateTests, LimitOutput, LockCells, OverwriteCells,
                                    OverwriteKernelspec, SaveCells)

from autograder.execute import SealedExecute
from autograder.exporters import FeedbackHTMLExporter
from autograder.preprocessors import (ForgiveStderr, GetGradesAtOnce, HideHiddenTests,
                                      LimitOutputSize, RepairCellMetadata, SaveAutoGradesAtOnce,
                                      TranslatedClearSolutions)
from autograder.sanitize import SanitizeStudentContent

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "autodiff"
# nbgrader's exchange (release, fetch, submit, collect): shared storage that every account
# of the class mounts here; the students' own configuration (deploy/student/) says the same.
c.Exchange.root = "/srv/nbgrader/exchange"
# Collecting copies only the notebooks of each student's own inbound folder and follows
# no link; what it refuses is logged (autograder/exchange.py, README "Running a class").
c.ExchangeFactory.collect = "autograder.exchange.SafeCollect"
# Instructor notebooks (solutions and hidden tests) live in solutions/<chapter>/;
# the student notebooks that nbgrader generates from them go to course/<chapter>/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# nbgrader's steps of generate_assignment, with the stubs in a translated edition's language.
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter, InstantiateTests, LockCells, TranslatedClearSolutions, ClearOutput,
    CheckCellMetadata, ComputeChecksums, SaveCells, ClearHiddenTests, ClearMarkScheme,
    ComputeChecksums, CheckCellMetadata,
]

# Seconds a cell (a student's cell, or a whole test cell) may run when graded.
c.SealedExecute.timeout = 120
# Limits of the sandboxed kernel: CPU seconds for the whole notebook, address space.
c.SandboxKernelManager.cpu_seconds = 600
c.SandboxKernelManager.memory_limit = "4G"

# Stock list, with RepairCellMetadata first: a submission's nbgrader metadata is made
# what the gradebook says (schema version, flags, points, repeated or unknown
# grade_ids), so no edited notebook can stop the batch. Deleted test cells come back.
c.Autograde.sanitize_preprocessors = [
    RepairCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]
c.OverwriteCells.add_missing_cells = True

# Stock list, with these changes: SealedExecute in place of Execute (the student's code
# runs in a sandboxed kernel, the tests in the grader: see autograder/execute.py), and
# ForgiveStderr after execution, before the grades are saved; LimitOutputSize bounds
# every output (nbgrader's LimitOutput counts lines only). The second CheckCellMetadata
# is left out: the metadata was made valid and checked before execution, which only
# writes outputs. SaveAutoGradesAtOnce is SaveAutoGrades with one query and one commit
# per notebook instead of two per cell.
c.Autograde.autograde_preprocessors = [
    SealedExecute,
    ForgiveStderr,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    LimitOutputSize,
    # What the student wrote or displayed is made inert in the notebook that is saved, so
    # in the formgrader, the feedback and JupyterLab; after the cuts, which could split a tag.
    SanitizeStudentContent,
    SaveAutoGradesAtOnce,
    AssignLatePenalties,
]

# Stock list, plus: feedback never shows hidden test code, nor anything active from a
# notebook graded before SanitizeStudentContent was in the list above. GetGradesAtOnce
# is GetGrades with one query per notebook instead of one per cell.
c.GenerateFeedback.preprocessors = [GetGradesAtOnce, CSSHTMLHeaderPreprocessor, HideHiddenTests,
                                    SanitizeStudentContent]
# Stock HTML pages, with templates compiled once per grading process.
c.GenerateFeedback.exporter_class = FeedbackHTMLExporter

# nbconvert validates the whole notebook after each preprocessor (some twenty a
# submission); once, after the last one, is enough for what is saved.
c.Exporter.optimistic_validation = True
