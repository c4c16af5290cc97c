# Two commands for people: `make run` (the app on the embedded SQLite default) and
# `make test` (lint, format check, types, the whole test suite with coverage). `make check`
# is the developers' fast lane: lint, types and every test that needs no browser, no
# PostgreSQL, no second server process and no bench harness, on both cores (under 3 minutes
# here). Types: mypy over the files pyproject.toml names, strict on assessment/.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint format bench seed clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m assessment db upgrade
	$(BIN)/python -m assessment demo seed --if-empty
	$(BIN)/streamlit run server.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 -m "not pg and not e2e and not load and not bench" $(PYTEST_ARGS)

test: lint
	$(BIN)/mypy
	$(BIN)/python -m pytest --cov=assessment --cov-report=term $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

seed: $(STAMP)
	$(BIN)/python -m assessment demo seed

clean:
	rm -rf $(VENV) .pytest_cache .coverage
