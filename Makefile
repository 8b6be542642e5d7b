# onestop: one command per job. `make run` serves the demo on SQLite; `make check` is the quick
# developer loop; `make test` is what CI runs.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/pytest -q -p no:cacheprovider

# make check: SQLite only, no browser, no PostgreSQL, nothing marked slow; JOBS pytest processes.
JOBS := auto
# make test, make coverage: TEST_JOBS pytest processes (pytest-xdist; 0: one process, no xdist).
# Each process has a PostgreSQL database of its own (tests/conftest.py). --dist loadfile keeps a
# test module on one process, so the tests that share a module's fixtures (a browser and its
# server, a seeded database) find them built once and run in their order.
TEST_JOBS := 2
TEST_DIST := -n $(TEST_JOBS) --dist loadfile
CHECK_MARKERS := not e2e and not postgres and not slow
# make coverage: the same run as make test's pytest with a summary of what it covered (files at
# 100 % left out). Measuring costs about a quarter more time, which make test (12.5 min with it,
# 2 processes on 2 cores) does not spend.
COVERAGE := --cov=onestop --cov-report=term:skip-covered

# make bench: the reports and search benchmarks read DATABASE_URL, whose data is replaced by
# DOSSIERS synthetic dossiers (`onestop bench-data --reset`; RELOAD=no reuses what is loaded).
# The intake benchmark recreates its own database, onestop_bench (BENCH_PG_URL).
# These variables are set on the command line (make bench DOSSIERS=10000000): the environment's
# DATABASE_URL, if any, is not used.
DATABASE_URL := postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench_data
DOSSIERS := 1000000
RELOAD := yes
# make bench-soak: minutes of steady load.
MINUTES := 30

LINTED := src tests bench migrations scripts

.PHONY: help run check test coverage lint typos typecheck unit pytest install system-deps openapi \
	bench bench-deps bench-soak pre-commit clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: JOBS=$(JOBS) (make check's pytest processes);"
	@echo "  TEST_JOBS=$(TEST_JOBS) (make test's and make coverage's pytest processes; 0: one, no xdist)"
	@echo "  make bench: DATABASE_URL=$(DATABASE_URL) (its data is replaced)"
	@echo "              DOSSIERS=$(DOSSIERS) (10000000 for the figures of bench/RESULTS.md)"
	@echo "              RELOAD=$(RELOAD) (no: reuse the dossiers already loaded in DATABASE_URL)"
	@echo "  make bench-soak: MINUTES=$(MINUTES)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its test dependencies

system-deps:  ## Debian packages the tests need (PostgreSQL binaries, fonts, poppler, Chromium)
	@scripts/system-deps.sh test

run: install  ## migrate + seed a demo province in ./var/onestop.db, serve on http://127.0.0.1:8000
	mkdir -p var
	$(BIN)/onestop migrate
	$(BIN)/onestop seed-demo
	$(BIN)/onestop serve --host 127.0.0.1 --port 8000

lint: install typos  ## ruff, ruff format --check, typos, import contracts
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports

typos: install  ## spelling of the files git does not ignore (allowed words: _typos.toml)
	$(BIN)/typos

typecheck: install  ## mypy --strict over src and tests (tests need no annotations)
	$(BIN)/mypy

unit: install  ## the quick lane's pytest: SQLite, no browser, no PostgreSQL, nothing slow
	@scripts/system-deps.sh unit
	ONESTOP_TEST_BACKENDS=sqlite ONESTOP_TEST_FAST_HASH=1 $(PYTEST) -n $(JOBS) -m "$(CHECK_MARKERS)"

check: lint typecheck unit  ## the quick developer loop (3–5 min on 2 cores): lint, mypy, `make unit`

pytest: install system-deps
	scripts/with-postgres.sh $(PYTEST) $(TEST_DIST)

coverage: install system-deps  ## pytest as make test runs it, with a coverage summary of onestop
	scripts/with-postgres.sh $(PYTEST) $(TEST_DIST) $(COVERAGE)

test: lint typecheck pytest  ## lint, mypy, then pytest on SQLite and PostgreSQL (TEST_JOBS processes)

pre-commit: install  ## install the git pre-commit hook (ruff, ruff format, mypy, typos; no network)
	$(BIN)/pre-commit install

openapi: install  ## rewrite openapi/openapi.json from the app
	$(BIN)/python -m onestop.openapi_dump > openapi/openapi.json

bench-deps: install
	@scripts/system-deps.sh bench
	$(BIN)/pip install -q -e '.[test,bench]'

bench: bench-deps  ## the benchmarks of bench/RESULTS.md, on PostgreSQL (variables below)
	$(BIN)/python scripts/pg-answers.py '$(DATABASE_URL)'
	$(BIN)/python bench/worktime_bench.py
	$(BIN)/python bench/intake_bench.py --rounds 9 --duration 10 --counters 13 --outbox --burner
	$(BIN)/python bench/outbox_bench.py --seconds 60 --drain 120
	$(BIN)/python bench/portal_call_bench.py
	if [ "$(RELOAD)" != no ]; then \
		$(BIN)/onestop bench-data --dossiers $(DOSSIERS) --seed 7 --reset --database-url '$(DATABASE_URL)'; fi
	$(BIN)/python bench/reports_bench.py --requests 200 --slow-requests 40 --database-url '$(DATABASE_URL)'
	$(BIN)/python bench/search_bench.py --database-url '$(DATABASE_URL)'
	$(BIN)/python bench/counter_search_bench.py --database-url '$(DATABASE_URL)'

bench-soak: bench-deps  ## steady load for MINUTES minutes, memory per worker (bench/soak_bench.py)
	$(BIN)/python bench/soak_bench.py --minutes $(MINUTES)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .coverage .coverage.*
