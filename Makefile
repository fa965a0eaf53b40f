# Each target makes its own virtualenv, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-long test-e2e lint bench clean image image-test

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[sync,test,lint]'
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

# The connector image with podman (no Docker daemon needed): `image` builds it, `image-test` builds
# it and runs spec, check, discover and read from the container against a sandbox on the host.
image:
	bash scripts/image.sh build

image-test: $(BIN)/.installed
	bash scripts/image.sh test

clean:
	rm -rf $(VENV) .pytest_cache pipedrive-demo.duckdb .pyairbyte-venv .pyairbyte-venv.lock
