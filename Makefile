# The README's commands. `make run` brings the whole system up on the embedded default (no system
# services: SQLite, and a redis-server of its own from the virtualenv; `make run WEB_PORT=8001`
# serves another port); `make test` runs every test: unit and architecture on the embedded default,
# then integration on the machine's PostgreSQL and Redis with real Celery worker processes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# Integration tests: one PostgreSQL database per alias, and the machine's Redis under a key prefix
# of their own, so they never see or flush anybody else's queues.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432
REDIS_URL ?= redis://127.0.0.1:6379/0
INTEGRATION_ENV := \
	DATABASE_URL=$(POSTGRES_URL)/sysops_default \
	CUSTOMER_DATABASE_URL=$(POSTGRES_URL)/sysops_customer \
	BILLING_DATABASE_URL=$(POSTGRES_URL)/sysops_billing \
	TICKETING_DATABASE_URL=$(POSTGRES_URL)/sysops_ticketing \
	ANALYTICS_DATABASE_URL=$(POSTGRES_URL)/sysops_analytics \
	NOTIFICATIONS_DATABASE_URL=$(POSTGRES_URL)/sysops_notifications \
	CELERY_BROKER_URL=$(REDIS_URL)

.PHONY: install run test test-unit test-integration lint clean bench soak

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(INSTALLED)

WEB_PORT ?= 8000
run: install
	$(BIN)/python -m operations.embedded --port $(WEB_PORT)

test: test-unit test-integration

test-unit: lint
	$(BIN)/python -m pytest -m "not integration"

test-integration: install
	$(INTEGRATION_ENV) $(BIN)/python -m pytest -m integration

# The portal benchmark: gunicorn, a worker per quantum and beat on throwaway databases bench_* of
# the machine's PostgreSQL and a redis-server of its own; results in bench-results/<time>/.
# `make bench BENCH_ARGS=--quick` proves the harness in a few minutes.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench.portal.harness --postgres $(POSTGRES_URL) $(BENCH_ARGS)

# The soak: the `make run` system in a throwaway var folder, mixed work through the API at RATE
# operations a second for DURATION (45s, 30m, 1h), then the counts of what each accepted request
# became; non-zero exit if anything was lost, duplicated or a process exited. Logs and result.json
# in bench-results/soak-<time>/.
DURATION ?= 1m
RATE ?= 2
soak: install
	$(BIN)/python -m bench.soak --duration $(DURATION) --rate $(RATE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var
