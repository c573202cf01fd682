# AnalyticaFlow — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS_HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(DEPS_HASH)
TEST_STAMP    := $(VENV)/.test-$(DEPS_HASH)
# Tests that touch the metadata database; CI runs them a second time against a real PostgreSQL server.
POSTGRES_TESTS ?= tests/accounts tests/web/test_pages.py tests/test_schema.py tests/jobs tests/integrations tests/channelgroups \
	tests/outbox

.PHONY: demo serve test lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
install-test: $(TEST_STAMP)

## Fresh data dir, demo user and shop, served on http://127.0.0.1:8000
demo: install
	$(BIN)/analyticaflow demo

serve: install
	$(BIN)/analyticaflow serve

lint: install-test
	$(BIN)/ruff check analyticaflow tests bench
	$(BIN)/lint-imports

## The whole suite (SQLite), then the metadata tests again on a real PostgreSQL server
test: lint
	$(BIN)/python -m pytest -p no:cacheprovider
	ANALYTICAFLOW_TEST_POSTGRES=1 $(BIN)/python -m pytest -p no:cacheprovider $(POSTGRES_TESTS)

clean:
	rm -rf $(VENV) .analyticaflow-demo test-artifacts
