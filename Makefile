# The two set-up commands of README.md: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint services prepare bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Prepare the embedded default (SQLite, demo data, local NLU) and chat in the terminal.
run: install
	bash scripts/system-deps.sh
	$(BIN)/jiuzhu db upgrade
	$(BIN)/jiuzhu demo-data --if-empty
	$(BIN)/jiuzhu nlu train --if-stale
	$(BIN)/jiuzhu chat

## Install everything, start PostgreSQL/Redis if needed, lint, run the whole suite; then the
## conversations again on a day years from now (every date comes from the injected clock).
test: install
	bash scripts/system-deps.sh
	bash scripts/services.sh
	$(BIN)/ruff check .
	$(BIN)/pytest -q
	JIUZHU_TEST_TODAY=2031-06-01 $(BIN)/pytest -q tests/journeys --ignore=tests/journeys/test_concurrency.py

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache
