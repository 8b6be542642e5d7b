# onestop: one command per job. `make run` serves the demo on SQLite; `make test` is what CI runs.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help run test lint typecheck pytest install system-deps openapi bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its test dependencies

system-deps:  ## Debian packages the tests need (PostgreSQL binaries, fonts, poppler, Chromium)
	@scripts/system-deps.sh

run: install  ## migrate + seed a demo province in ./var/onestop.db, serve on http://127.0.0.1:8000
	mkdir -p var
	$(BIN)/onestop migrate
	$(BIN)/onestop seed-demo
	$(BIN)/onestop serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

pytest: install system-deps
	scripts/with-postgres.sh $(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck pytest  ## ruff, import contracts, mypy, then pytest on SQLite and PostgreSQL

openapi: install  ## rewrite openapi/openapi.json from the app
	$(BIN)/python -m onestop.openapi_dump > openapi/openapi.json

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
