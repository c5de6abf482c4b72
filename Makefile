# The two commands of the README: `make run` and `make test`.
# Each sets up what it needs first (a virtualenv in .venv), so a fresh clone
# with Python 3.11+ and make is enough.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The quick start runs in debug mode on SQLite, tasks in-process, mail to the console.
DEV_ENV := DEBUG=true

.PHONY: run test deps dev-deps lint format messages clean

run: deps
	$(BIN)/python scripts/ensure_system_packages.py runtime --warn-only
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: dev-deps
	$(BIN)/python scripts/ensure_system_packages.py test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Convening needs Python 3.11 or newer (found " + sys.version.split()[0] + ")"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extracts the marked strings into locale/es (needs GNU gettext), then compiles
# the .mo catalogues in pure Python; the compiled files are committed, so
# `make run` on a fresh machine needs no gettext.
messages: dev-deps
	$(DEV_ENV) $(BIN)/python manage.py makemessages --locale es --no-location --no-obsolete \
		--ignore .venv --ignore tests --ignore '*/tests/*' --ignore staticfiles
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
