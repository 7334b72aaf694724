# cwqbo: `make run` starts everything, `make test` runs every test. Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test setup browser lint clean

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

test: setup browser lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
