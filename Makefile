# ClientDesk developer tasks. GNU make.
#
#   make run     set up, migrate, load demo data once, print demo logins, then run the web
#                server, the task worker and the scheduler together (Procfile.dev, honcho) on
#                127.0.0.1:8000 (PORT=... HOST=... to change); Ctrl+C stops all three
#   make test    set up, run the test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
#   make lint    ruff check, ruff format --check, mypy
#   make bench   run the benchmarks (bench/*.py; BENCH=... for one)
#
# Every command names its interpreter by path (.venv/bin/python), so nothing depends on an
# activated virtualenv or other shell state.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables

# Inherited shell state that would point the tools at another environment or settings module.
unexport VIRTUAL_ENV PYTHONPATH PYTHONHOME
export DJANGO_SETTINGS_MODULE := clientdesk.settings
# uv must use the machine's Python, never try to download one.
export UV_PYTHON_DOWNLOADS := never

PYTHON3    := python3
UV_VERSION := 0.13.9
UV         := .tools/bin/uv
PY         := .venv/bin/python
MANAGE     := $(PY) manage.py
VAR_DIR    := $(or $(CLIENTDESK_VAR_DIR),var)
DEMO_MARK  := $(VAR_DIR)/.demo-loaded
NPM_STAMP  := node_modules/.clientdesk-installed
PYTEST_ARGS ?=
# make run PORT=8107 HOST=0.0.0.0
PORT       ?= 8000
HOST       ?= 127.0.0.1

.PHONY: help install system-packages venv run test lint bench clean distclean

help:
	@echo "make run        set up, migrate, load demo data once, print demo logins, then web + worker +"
	@echo "                scheduler on 127.0.0.1:8000 (PORT=..., HOST=...); Ctrl+C stops all three"
	@echo "make test       set up and run the tests (PYTEST_ARGS='...' to pass options; DATABASE_URL respected)"
	@echo "make lint       ruff check, ruff format --check, mypy src"
	@echo "make bench      run the benchmarks (BENCH='run relationship kyc screening transactions auth')"
	@echo "make install    Debian packages (scripts/apt-packages.txt), .tools/uv, .venv from uv.lock,"
	@echo "                npm ci, vendor front-end assets"
	@echo "make venv       only the Python part of install"
	@echo "make clean      remove caches and generated static files"
	@echo "make distclean  clean, and remove .venv, .tools, node_modules and ./var (the dev database)"

# --- set-up ----------------------------------------------------------------------------------

# The Debian packages of scripts/apt-packages.txt: installs the missing ones as root, otherwise
# prints the one apt-get line to run and stops.
system-packages:
	@scripts/system_packages.sh

# uv itself, in a private venv, pinned. Installed only when missing.
$(UV):
	$(PYTHON3) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# .venv with the dev group, exactly as locked. A no-op taking milliseconds when in sync.
venv: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv $(UV) sync --frozen --python $(PYTHON3)

# npm packages, reinstalled only when package.json or package-lock.json is newer than the stamp.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

ifneq ($(wildcard package.json),)
install: system-packages venv $(NPM_STAMP)
	$(PY) scripts/vendor_assets.py
else
install: system-packages venv
endif

# --- everyday targets ------------------------------------------------------------------------

run: install
	mkdir -p $(VAR_DIR)
	CLIENTDESK_ENV=development $(MANAGE) migrate --noinput
	@if [ ! -f $(DEMO_MARK) ]; then \
		echo "Loading demo data (once; delete $(DEMO_MARK) to load again)"; \
		CLIENTDESK_ENV=development $(MANAGE) seed_demo --customers 500 --seed 1; \
		touch $(DEMO_MARK); \
	fi
	CLIENTDESK_ENV=development $(MANAGE) demo_logins --url http://$(HOST):$(PORT)/
	@echo "Starting web (http://$(HOST):$(PORT)/), worker and scheduler; Ctrl+C stops all three."
	CLIENTDESK_ENV=development CLIENTDESK_HOST=$(HOST) exec .venv/bin/honcho -f Procfile.dev \
		start -p $(PORT)

# Two xdist workers (the machine has two cores). Each worker gets its own test database.
test: install
	CLIENTDESK_ENV=test $(PY) -m pytest -n 2 $(PYTEST_ARGS)

# All three run even when one fails, so one CI run shows every problem.
lint: venv
	@status=0; \
	echo ".venv/bin/ruff check ."; .venv/bin/ruff check . || status=1; \
	echo ".venv/bin/ruff format --check ."; .venv/bin/ruff format --check . || status=1; \
	echo ".venv/bin/mypy src"; CLIENTDESK_ENV=development .venv/bin/mypy src || status=1; \
	exit $$status

# Every benchmark the issues ask for (long: each builds or reuses a large PostgreSQL database;
# see docs/performance.md; transactions generates its 20M rows only when its database is
# missing). One at a time: make bench BENCH=relationship (run, relationship,
# kyc, kyc-corpus, screening, transactions, auth).
BENCH ?= run relationship kyc screening transactions auth
BENCH_PG := postgres://postgres@127.0.0.1:5432

bench: venv
	@for b in $(BENCH); do \
		case $$b in \
		run) $(PY) bench/run.py ;; \
		relationship) $(PY) bench/relationship.py ;; \
		kyc) $(PY) bench/kyc_checks.py --runs 10 ;; \
		kyc-corpus) $(PY) bench/kyc_corpus.py --per 11 ;; \
		screening) $(PY) bench/screening_bench.py --db $(BENCH_PG)/clientdesk_bench ;; \
		auth) $(PY) bench/auth_login.py ;; \
		transactions) if psql -h 127.0.0.1 -U postgres -lqtA | cut -d'|' -f1 | grep -qx clientdesk_bench_tx; \
			then $(PY) bench/transactions.py measure; else $(PY) bench/transactions.py all; fi ;; \
		*) echo "unknown benchmark: $$b"; exit 2 ;; \
		esac || exit $$?; \
	done

# --- cleaning --------------------------------------------------------------------------------

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts $(VAR_DIR)/staticfiles
	rm -rf src/clientdesk/static/vendor
	find . -path ./.venv -prune -o -path ./.tools -prune -o -path ./node_modules -prune \
		-o -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf .venv .tools node_modules src/*.egg-info var
