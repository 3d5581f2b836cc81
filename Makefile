# KinéCO2 — `make run` serves the application, `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= kineco2.settings.dev

.PHONY: run test lint format bench install clean browser-deps help

help:
	@echo "make run    — installe, migre, charge les données et la démo, sert http://$(HOST):$(PORT) avec le worker des tâches"
	@echo "make test   — lint + tests (SQLite, ou PostgreSQL avec DATABASE_URL)"
	@echo "make bench  — mesures de performance (bench/)"

$(VENV)/.installed: pyproject.toml constraints.txt
	@PYTHON_BIN=$$(scripts/find-python) && echo "Python : $$PYTHON_BIN" && \
	  { [ -x $(PY) ] || "$$PYTHON_BIN" -m venv $(VENV); }
	$(PIP) install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var
	$(PY) -m kineco2.manage migrate --noinput
	$(PY) -m kineco2.manage setup_reference
	$(PY) -m kineco2.manage load_demo
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) scripts/serve

# Debian's chromium drives the browser tests (never a browser download).
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installation de chromium et poppler-utils (paquets Debian)…"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else echo "chromium absent : les tests navigateur seront ignorés (sudo apt-get install chromium)"; fi; }

lint: install
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

format: install
	$(VENV)/bin/ruff format src tests bench scripts
	$(VENV)/bin/ruff check --fix src tests bench scripts

test: install browser-deps lint
	DJANGO_SETTINGS_MODULE=kineco2.settings.test $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis test-artifacts
