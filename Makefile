# ragchat: `make run` serves on http://127.0.0.1:8000, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The browser tests drive Debian's Chromium (its own browser downloads are not used).
CHROMIUM := /usr/bin/chromium
# The load benchmark (and its smoke test in `make test`) drives ragchat with wrk.
WRK := /usr/bin/wrk
# A test runs ragchat behind PgBouncer in transaction mode.
PGBOUNCER := /usr/sbin/pgbouncer
# The multi-instance test puts HAProxy in front of two ragchat instances.
HAPROXY := /usr/sbin/haproxy

.PHONY: run test screenshots lint format migrate clean

run: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py

test: $(VENV)/.dev $(CHROMIUM) $(WRK) $(PGBOUNCER) $(HAPROXY)
	$(BIN)/pytest

# The README's screenshots of the review UI, taken by the browser tests' set-up.
screenshots: $(VENV)/.dev
	RAGCHAT_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/e2e -q

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd clients/python && ../../$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(VENV)/.runtime
	$(BIN)/flask db upgrade

# Installs again only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt clients/python/pyproject.toml | $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

$(VENV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "ragchat needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(CHROMIUM):
	@echo "The browser tests need Chromium: installing Debian's package (as root)."
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

$(WRK):
	@echo "The load benchmark needs wrk: installing Debian's package (as root)."
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk

$(PGBOUNCER):
	@echo "The connection-pooler test needs PgBouncer: installing Debian's package (as root)."
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer

$(HAPROXY):
	@echo "The multi-instance test needs HAProxy: installing Debian's package (as root)."
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The deep-paging benchmark on PostgreSQL (docs/benchmarks.md); pass options in BENCH_ARGS,
# e.g. make bench BENCH_ARGS="--messages 20000 --database-url postgresql://…/test".
.PHONY: bench
bench: $(VENV)/.runtime
	$(BIN)/python bench/deep_pages.py $(BENCH_ARGS)

# The load benchmark on PostgreSQL (docs/benchmarks.md): ragchat under wrk against a bare
# Flask app; pass options in BENCH_ARGS, e.g. make bench-load BENCH_ARGS="--rounds 5".
.PHONY: bench-load bench-profile
bench-load: $(VENV)/.runtime $(WRK)
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# The same with every scenario sampled by py-spy afterwards (collapsed stacks in bench/results/).
bench-profile: $(VENV)/.bench $(WRK)
	$(BIN)/python bench/load.py --long-requests 0 --profile $(BENCH_ARGS)

# PostgreSQL's bytes per message, with and without the search index (docs/scaling.md); pass
# options in BENCH_ARGS, e.g. make bench-storage BENCH_ARGS="--messages 50000".
.PHONY: bench-storage
bench-storage: $(VENV)/.runtime
	$(BIN)/python bench/storage.py $(BENCH_ARGS)

$(VENV)/.bench: requirements.txt bench/requirements.txt | $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@ $(VENV)/.runtime
