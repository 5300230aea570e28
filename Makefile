# Rounds — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_MEMBERS ?= 300
PYTEST_ARGS ?= -n 2
TIER ?= M

.PHONY: run install migrate demo test test-sqlite test-postgres lint format serve bench load e2e-deps clean rec-eval guard-eval

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(PY) manage.py seed_demo --members $(DEMO_MEMBERS) --seed 42 --if-empty

run: demo
	@echo ""
	@echo "  Rounds is running at http://$(HOST):$(PORT)/"
	@echo "  Demo login: demo@rounds.example / rounds-demo-2026"
	@echo ""
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	PRODUCTION=1 $(PY) manage.py collectstatic --noinput -v0
	PRODUCTION=1 $(BIN)/gunicorn config.wsgi:application --workers $${WORKERS:-2} --bind $(HOST):$(PORT) --access-logfile -

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy rounds config
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/djlint templates rounds --lint --quiet

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint test-sqlite test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	DATABASE_URL= REDIS_URL= $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: install
	@pg=$$($(PY) scripts/services.py postgres); redis=$$($(PY) scripts/services.py redis); \
	if [ -z "$$pg" ]; then echo "== PostgreSQL not reachable: skipping the PostgreSQL run =="; exit 0; fi; \
	echo "== tests on PostgreSQL ($$pg) $${redis:+with Redis ($$redis)} =="; \
	DATABASE_URL=$$pg REDIS_URL=$$redis $(BIN)/pytest -q $(PYTEST_ARGS)

bench: install
	$(PY) -m bench.run --tier $(TIER) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var

rec-eval: install
	$(PY) manage.py evaluate_recommendations

guard-eval: install
	$(PY) -m rounds.guard.evaluate
