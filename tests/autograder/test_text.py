"""What the grader prints of what students wrote: control characters escaped, bounded."""
from autograder.text import printable, shown


def test_escape_sequences_and_control_characters_are_escaped():
    assert printable("alice\x1b]0;pwned\x07\x1b[32m 30 / 30\r\n") == "alice\\x1b]0;pwned\\x07\\x1b[32m 30 / 30\\x0d\\x0a"
    assert printable("Zoë 李") == "Zoë 李"


def test_shown_is_bounded():
    text = shown("x" * 10_000, limit=50)
    assert text.startswith("x" * 50) and text.endswith("(9950 more characters)") and len(text) < 100
