# Two commands do all the set-up on a fresh machine with Python 3.10+:
#   make demo   virtual environment, install, build the student notebooks,
#               grade the sample class into gradebook.db, print the report
#   make test   the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# nbgrader starts helper programs (alembic) by name: the environment's scripts come first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test install build lab clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/autograder demo

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile

build: install
	$(BIN)/autograder build

lab: install
	$(BIN)/jupyter lab course/

clean:
	rm -rf submitted autograded feedback reports gradebook.db
