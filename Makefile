# CX Hub: `make run` starts the demo (SQLite, embedded broker, web + worker + beat); `make test` tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench loadtest install install-test messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml package.json
	$(PY) -m pip install --quiet -e '.[test]'
	npm install --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py recompute_kpis --full
	@echo
	@echo "CX Hub is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo "Demo logins: manager / cxhub-manager-demo, agent / cxhub-agent-demo,"
	@echo "             surveyadmin / cxhub-surveys-demo, admin / cxhub-admin-demo"
	@HOST=$(HOST) PORT=$(PORT) $(PY) scripts/run_embedded.py

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) manage.py bench

# Load scenarios against gunicorn on 127.0.0.1 and PostgreSQL (bounded in time; see README).
loadtest: $(VENV)/.installed-test
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

# Refresh the id/ms/it catalogues from the code and templates, then compile them (needs gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale=id --locale=ms --locale=it --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf var/*.sqlite3* var/celery var/cache var/celerybeat-schedule*
