"""The hidden tests, one module per chapter (the one source of every hidden test cell).

`autograder.hidden.<module>` holds one function per hidden test cell of the chapter's
instructor notebook, named by the cell's grade_id. Its parameters are the names of the
student's answers it checks, spelled as the answer cells define them; `autograder
build` writes the cell's hidden region as the call of the function with those names
(`hidden.test_central_difference_hidden(central_difference)`). The sealed grader runs
that call in its own process, the names bound to the student's answers in the kernel;
stock nbgrader runs it in the kernel. A function raises `CheckFailure` when the answers
fail and returns None when they pass.
"""
