# Qamqor: `make run` starts the demo, `make test` runs every check CI runs.
#
#   make run            demo server and worker on http://127.0.0.1:8000 (logins printed),
#                       DEBUG off as in production; another port: make run PORT=8001
#   make test           lint, Django checks, then pytest on PostgreSQL beside pytest on
#                       SQLite, Chromium and the deploy check; fails if any stage fails
#   make lint           ruff check, ruff format --check, mypy, import layers, bandit
#   make audit-deps     pip-audit of the pins: CLEAN, VULNERABLE (fails) or SKIPPED (offline)
#   make check          makemigrations --check, manage.py check, translations up to date
#   make test-sqlite    the suite on SQLite (in memory)
#   make test-postgres  every test that uses a database, plus @pytest.mark.postgres tests,
#                       on a throwaway PostgreSQL cluster (scripts/pg-throwaway)
#   make test-databases both passes at the same time, each output printed whole
#   make test-deploy    docs/deploy.md's commands in production mode on a throwaway
#                       PostgreSQL, then every public page, the login and a staff page
#   make test-browser   the @pytest.mark.browser tests, in Debian's Chromium
#   make venv           .venv with the project and its pinned dependencies
#   make constraints    rewrite constraints.txt from what .venv has installed
#   make translations   compile the .po catalogs into the .mo files (needs gettext)
#
# Extra pytest arguments: make test-sqlite ARGS="-k outbox -x"
#
# Dependencies: `pip install -c constraints.txt -e '.[dev]'` from the package index;
# constraints.txt pins every package the project needs, directly or not. The install
# runs again only when pyproject.toml or constraints.txt changed (stamp in .venv).
#
# Translations: the compiled .mo files are committed next to their .po files, so
# `make run` works on a machine without gettext. After editing a .po file run
# `make translations` and commit both; `make check` recompiles every catalog with msgfmt
# into a temporary file and fails if a committed .mo differs from its .po, and runs
# makemessages over a copy of the source and fails on a message missing, untranslated or
# fuzzy in the kk or ru catalog (qamqor/locale/README.md, "Checks").
#
# Missing prerequisites (PostgreSQL binaries, Chromium, msgfmt) skip their stage with a
# message; with CI=true they fail it instead.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The stages of `make test` run one after the other, even under `make -j`.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
STAGE := bash scripts/stage
# One process. Measured with pytest-xdist (-n auto) on a two-core machine: SQLite
# 31 s -> 24 s, PostgreSQL 45 s -> 41 s (the server shares the cores); not worth an
# extra dependency and interleaved output.
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv run test lint check test-sqlite test-postgres test-databases test-passes \
	test-deploy test-browser \
	constraints translations clean audit-deps

help:
	@sed -n '/^#   make run/,/^#$$/p' Makefile | sed 's/^#   //; /^#$$/d'

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

# var/ holds the demo database; it is not in git. Links, posters and emails name PORT.
PORT ?= 8000
run: venv
	@mkdir -p var
	$(BIN)/qamqor demo --port $(PORT)

test: lint check test-passes
	@echo "all stages passed"

lint: venv
	@$(STAGE) "ruff check" $(BIN)/ruff check .
	@$(STAGE) "ruff format --check" $(BIN)/ruff format --check .
	@$(STAGE) "mypy" $(BIN)/mypy qamqor tests
	@$(STAGE) "import layers" $(BIN)/lint-imports
	@$(STAGE) "bandit" $(BIN)/bandit -c pyproject.toml -q -r qamqor scripts \
		--severity-level medium

# The pins against an advisory database (OSV): CLEAN, VULNERABLE (fails) or SKIPPED when
# the source cannot be reached; never "clean" without having looked (docs/security.md).
audit-deps: venv
	@$(STAGE) "pip-audit of constraints.txt" bash -c '$(BIN)/python scripts/audit_deps.py; \
		rc=$$?; if [ $$rc -eq 2 ]; then echo "audit SKIPPED: not counted as clean"; exit 0; fi; \
		exit $$rc'

# An in-memory database: the checks must not depend on (or create) the demo database.
check: venv
	@$(STAGE) "makemigrations --check" env DATABASE_URL=sqlite://:memory: \
		$(BIN)/python manage.py makemigrations --check --dry-run
	@$(STAGE) "manage.py check" env DATABASE_URL=sqlite://:memory: \
		$(BIN)/python manage.py check
	@$(STAGE) "translations up to date" $(BIN)/python scripts/check_translations.py

test-sqlite: venv
	@$(STAGE) "pytest on SQLite" env -u DATABASE_URL \
		$(PYTEST) -m "not postgres and not browser" $(ARGS)

test-postgres: venv
	@$(STAGE) "pytest on PostgreSQL" bash scripts/pg-throwaway \
		$(PYTEST) -m "not browser" $(ARGS)

# Both passes at once (scripts/both-databases): one pytest process uses one core.
test-databases: venv
	@bash scripts/both-databases $(MAKE) --no-print-directory test-sqlite \
		-- $(MAKE) --no-print-directory test-postgres

# `make test`'s passes on two cores: the PostgreSQL pass, the longest, beside the SQLite
# pass followed by Chromium and the deploy check (each side stops at its first failure).
test-passes: venv
	@bash scripts/both-databases $(MAKE) --no-print-directory test-sqlite test-browser \
		test-deploy -- $(MAKE) --no-print-directory test-postgres

# The production configuration exactly as docs/deploy.md writes it (scripts/deploy_check.py).
test-deploy: venv
	@$(STAGE) "deploy as documented" bash scripts/pg-throwaway \
		$(BIN)/python scripts/deploy_check.py

test-browser: venv
	@$(STAGE) "pytest in Chromium" env -u DATABASE_URL \
		$(PYTEST) -m browser $(ARGS)

constraints: venv
	$(BIN)/python scripts/freeze_constraints.py > constraints.txt.new
	mv constraints.txt.new constraints.txt

translations: venv
	$(BIN)/python manage.py compilemessages --ignore '.venv' --ignore 'build'

clean:
	rm -rf $(VENV) build dist *.egg-info test-results .mypy_cache .ruff_cache .pytest_cache
