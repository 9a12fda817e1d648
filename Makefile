# The two commands of the quick start: `make up` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: up test lint unit-sqlite unit-postgres bench install clean help messages browser

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)  ## Create .venv with the locked dependencies (uv.lock).
	$(UV) sync --frozen --python $(PYTHON) --quiet

up: install  ## Migrate and start all four services on SQLite under var/ (Ctrl-C stops them).
	$(BIN)/carrots up

lint: install  ## ruff, mypy --strict and the import contracts.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# Debian's Chromium and chromedriver drive the browser tests (tests/browser/); installed once, when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:  ## Install Debian's chromium and chromium-driver for the browser tests, if they are missing.
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

unit-sqlite: install browser  ## The whole test suite on SQLite (browser tests included).
	CARROTS_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider

unit-postgres: install  ## The whole test suite on PostgreSQL (127.0.0.1:5432, user postgres); browser tests skip.
	CARROTS_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider

test: lint unit-sqlite unit-postgres  ## Lint, then the suite on SQLite and on PostgreSQL.

# Message catalogues of the pages (and the asylum status wording): one per component, Russian kept in its .po.
CATALOGUES := shared/pages services/asylum services/testimony

messages: install  ## Extract page messages and merge them into each catalogue's .po files (then translate them).
	@mkdir -p build/messages
	@for c in $(CATALOGUES); do \
		pot=build/messages/$$(echo $$c | tr / -).pot; \
		$(BIN)/pybabel -q extract -F babel.cfg --add-location=file --project=carrots -c TRANSLATORS: -o $$pot $$c || exit 1; \
		$(BIN)/pybabel -q update -i $$pot -d $$c/translations --ignore-obsolete --previous || exit 1; \
		$(BIN)/pybabel compile --statistics -d $$c/translations 2>&1 | grep translated; \
	done

bench: install  ## The HTTP benchmark beside its ceiling (PostgreSQL), the event benchmark, then the others under bench/.
	$(BIN)/python -m bench
	$(BIN)/python -m bench.events
	@for b in bench/[a-z]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:  ## Remove the environments and var/.
	rm -rf $(VENV) $(TOOLS) var
