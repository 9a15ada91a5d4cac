"""Support code of the course's notebooks: test functions, plots and widgets."""
