# make run   — virtualenv, dependencies, database, demo data, server on http://127.0.0.1:8000
# make test  — the whole test suite (embedded PostgreSQL unless DATABASE_URL is set)
# make bench — benchmarks against floors measured in the same run (QUICK=1 or make bench-quick: smoke)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-runtime run test lint format check schema bench bench-quick clean db-stop fuzz soak worker

# `make run` and `make worker` need only the runtime packages; the test and bench tools come with
# everything else (requirements-dev.txt includes requirements.txt).
$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.x)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install-runtime: $(VENV)/.runtime

install: $(VENV)/.installed

# config/launcher.py: embedded PostgreSQL (unless DATABASE_URL), migrate, seed_demo, then the
# server; Ctrl-C or SIGTERM stops the server and then the database.
run: install-runtime
	DEBUG=$${DEBUG:-1} $(PY) -m config.launcher --host $(HOST) --port $(PORT)

# Task-engine workers alone (procrastinate: webhook deliveries, bulk-job batches, periodic jobs),
# on this host or any other that reaches the database (docs/operating.md). WORKER_CONCURRENCY jobs
# at a time.
worker: install-runtime
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py procrastinate worker --concurrency=$${WORKER_CONCURRENCY:-4}

# The whole suite runs in TEST_WORKERS processes (pytest-xdist, each with a test database of its
# own), in one session, handed out a test at a time: the schema fuzz's operations and the slow
# server tests spread over every worker instead of one worker finishing a long file while the
# other waits (with the one-statement snapshots of tests/security: 5 min 47 s to 4 min 14 s here).
# With PYTEST_ARGS, or with TEST_WORKERS=0, pytest runs once, in this process.
TEST_WORKERS ?= 2
test: install
ifeq ($(strip $(PYTEST_ARGS))$(filter 0,$(TEST_WORKERS)),)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist load
else
	$(VENV)/bin/pytest $(PYTEST_ARGS)
endif

# The long schema fuzz: random, FUZZ_MAX_EXAMPLES generated cases per operation (make test runs
# a bounded, repeatable 25).
fuzz: install
	FUZZ_RANDOM=1 FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} $(VENV)/bin/pytest tests/fuzz/test_schema_fuzz.py -q $(PYTEST_ARGS)

# Load soak: gunicorn on 127.0.0.1, mixed traffic for SOAK_SECONDS, then reconciliation against
# a throwaway database (docs/security.md). CI runs SOAK_SECONDS=20.
soak: install
	$(PY) bench/soak.py --seconds $${SOAK_SECONDS:-120} $(if $(HOSTS),--hosts $(HOSTS)) $(SOAK_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

schema: install
	DEBUG=1 $(PY) manage.py spectacular --validate --file docs/openapi.yaml

# Benchmarks (docs/benchmarks.md): their own database (embedded in a throwaway folder, or a
# <name>_bench sibling of DATABASE_URL), results in bench/results/ (quick: bench/results/quick/).
bench: install
	$(PY) -m bench.run $(if $(filter 1 true yes,$(QUICK)),--quick) $(BENCH_ARGS)

bench-quick: install
	$(PY) -m bench.run --quick $(BENCH_ARGS)

db-stop: install-runtime
	$(PY) -m config.embedded_pg stop

clean: db-stop
	rm -rf $(VENV) .pgdata staticfiles .pytest_cache .ruff_cache
