"""The course's autograder: checking API, references, nbgrader pipeline and commands."""
import sys

# jsonschema (under nbformat) imports `rfc3987_syntax` when it is installed, for its
# "iri" formats, and that module compiles a Lark grammar on import: about 1.3 s of
# every grading process's start (the command, each worker). No schema the grader
# validates uses those formats; where jsonschema was imported first, this changes nothing.
sys.modules.setdefault("rfc3987_syntax", None)

# The grader's messages have their own catalogue (translations/<language>/autograder.po).
from adcourse import i18n as _i18n  # noqa: E402

if "autograder" not in _i18n.DOMAINS:
    _i18n.DOMAINS.append("autograder")
