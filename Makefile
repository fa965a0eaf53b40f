# Each target makes its own virtualenv, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-long test-e2e lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/source-pipedrive demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -m "not long" -q

test-long: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -q

test-e2e: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -q tests/e2e

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache pipedrive-demo.duckdb .pyairbyte-venv .pyairbyte-venv.lock
