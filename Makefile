# cwqbo: `make run` starts everything, `make test` runs every test. Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test setup browser postgres lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# exec: make's child is the launcher itself (no shell between), so the SIGTERM make passes
# on when it is stopped reaches the launcher, which stops everything it started.
run: setup
	exec $(BIN)/python -m cwqbo.launcher

# Demo mode: cwqbo wired to the Manage and QBO simulators, data in instance/demo (README).
demo: setup
	exec $(BIN)/python -m cwqbo.demo

# Debian's Chromium for the browser tests (Playwright cannot download a browser here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's PostgreSQL server programs for the PostgreSQL pass of the tests. Each pass starts
# its own throw-away cluster (tests/pgcluster.py); no system cluster is used.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

# The whole suite once per database, the passes side by side (README, Tests; tests/passes.sh):
# `make test TEST_DBS=sqlite` runs one pass, TEST_PARALLEL=0 one after the other,
# PYTEST_ARGS="-x tests/web" narrows them, TEST_WORKERS=0 runs each in one process (default
# 2 pytest-xdist workers per pass). Every pass runs; Ctrl-C stops them all.
TEST_DBS ?= sqlite postgresql
TEST_PARALLEL ?= 1
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

test: setup browser $(if $(filter postgresql,$(TEST_DBS)),postgres) lint
	@TEST_DBS="$(TEST_DBS)" TEST_PARALLEL="$(TEST_PARALLEL)" TEST_WORKERS="$(TEST_WORKERS)" \
	  PYTEST_ARGS="$(PYTEST_ARGS)" PYTHON=$(BIN)/python exec sh tests/passes.sh

clean:
	rm -rf $(VENV) .pytest_cache
