# Every target creates or updates the local virtual environment first (.venv), installs trsplan
# with pinned dependencies (constraints.txt) and registers the "trsplan" Jupyter kernel inside
# that environment, so papermill never depends on a global kernel.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.trsplan-installed

.PHONY: install report test lint clean-reports

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name trsplan --display-name "Python (trsplan)"
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(BIN)/trsplan report

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean-reports:
	rm -rf reports/
