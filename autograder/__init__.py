"""The course's autograder: checking API, references, nbgrader pipeline and commands."""
