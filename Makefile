# nps-analysis: the two commands are `make reproduce` and `make test`.
# Everything runs inside a project-local virtual environment (.venv) built from requirements.lock.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(BIN):$(PATH)
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help install data reproduce test test-fast lab lint format lock bench clean-outputs

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "nps-analysis needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name nps-analysis --display-name "Python 3 (nps-analysis)" >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies and the package

reproduce: install ## Run the whole pipeline (DVC) on the embedded default data and render the reports
	$(BIN)/dvc repro
	@echo "Reports: outputs/reports/index.html"

data: install ## Build the processed inputs the notebooks read (synthetic default + public statistics)
	$(BIN)/dvc repro process public_data

test: data ## Run the whole test suite (unit tests, notebooks under nbval, pipeline checks)
	$(BIN)/python -m pytest

test-fast: install ## Unit tests only (skips notebook execution and pipeline runs)
	$(BIN)/python -m pytest -m "not slow and not browser"

lab: install ## Open JupyterLab with the project kernel
	$(BIN)/jupyter lab notebooks/

lint: install ## ruff lint + format check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: install ## Apply ruff formatting and fixes
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

lock: ## Recompile requirements.lock from requirements.in (needs network to PyPI)
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile requirements.in --universal --python-version 3.11 --no-header -o requirements.lock

bench: install ## Run the benchmark suite (writes outputs/benchmarks/)
	$(BIN)/python benchmarks/run.py

clean-outputs: ## Delete generated outputs (data/raw is never touched)
	rm -rf outputs/* data/processed/* data/synthetic/*
