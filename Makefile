# The two commands of the README: `make run` and `make test`.
# Each sets up what it needs first (a virtualenv in .venv), so a fresh clone
# with Python 3.11+ and make is enough.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The address e-mailed links and the demo's logins point at: the one `make run` serves, unless set in the
# environment or on the command line (`make run SITE_URL=http://laptop.local:8000`).
SITE_URL ?= http://$(HOST):$(PORT)
# The quick start runs in debug mode on SQLite, tasks in-process, mail to the console.
DEV_ENV := DEBUG=true
RUN_ENV := $(DEV_ENV) SITE_URL=$(SITE_URL)

.PHONY: run test deps dev-deps lock audit lint format messages clean

run: deps
	$(BIN)/python scripts/ensure_system_packages.py runtime --warn-only
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

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

# Installed from the locks: every package, direct or not, at one version with its hashes, so each machine and
# the image get the same files. `make lock` writes them again from requirements*.txt.
$(VENV)/.deps: requirements.lock $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.dev-deps: requirements.lock requirements-dev.lock $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

# For every platform the image or a developer may use (--universal), from Python 3.11 on. The development lock
# is held to the runtime one, so the tests run what production runs. Versions already locked are kept unless
# requirements*.txt asks for others.
UV_COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock"

lock: dev-deps
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt --constraint requirements.lock -o requirements-dev.lock

# Known vulnerabilities in every locked package. Needs the network (PyPI's vulnerability data), so CI does not run it.
audit: dev-deps
	$(BIN)/uv tool run --from pip-audit==2.10.1 pip-audit --strict --disable-pip --require-hashes \
		-r requirements.lock -r requirements-dev.lock

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
