"""Grading a class in one batch (`autograder grade`).

- `coordinator`: reads the submissions into jobs, hands them to workers (processes on
  this machine, or a Dask cluster), writes each result back into the course;
- `pools`: where the jobs run (a pool of processes here, or a Dask cluster), each
  outcome once;
- `worker`: grades one job anywhere, a pure function from a `Job` to a `Result`, with
  stock nbgrader in a private course;
- `gradebook`: the course's gradebook and the journal that records each result once.
"""
