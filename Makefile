# Two commands for people: `make run` (the app on the embedded SQLite default) and
# `make test` (lint, format check, the whole test suite with coverage).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench seed clean

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

test: lint
	$(BIN)/python -m pytest --cov=assessment --cov-report=term $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

seed: $(STAMP)
	$(BIN)/python -m assessment demo seed

clean:
	rm -rf $(VENV) .pytest_cache .coverage
