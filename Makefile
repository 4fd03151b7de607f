# Every target sets itself up: a fresh machine needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed
SCALE ?= M

# The Dagster instance's home (runs, logs, schedule state); a deployment sets its own.
DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export DAGSTER_HOME
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup run test test-deps dev serve lint bench eval docs clean

# The sample generator is its own package (sample_generator/), installed beside the product.
$(INSTALLED): pyproject.toml sample_generator/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./sample_generator
	@touch $@

# The dbt manifest is parsed once here (and again only when a dbt file changes), so
# loading the Dagster definitions never waits for dbt. The instance's dagster.yaml is
# written from the templates: SQLite, or PostgreSQL when DAGSTER_PG_HOST is set.
setup: $(INSTALLED)
	@$(BIN)/python -m coaching_pipeline.instance
	@$(BIN)/python -c "from coaching_pipeline.resources.dbt import ensure_manifest; ensure_manifest()"

run: setup
	@if [ -z "$$(ls -A data/landing 2>/dev/null)" ]; then $(BIN)/coaching generate --out data/landing --scale S; fi
	$(BIN)/coaching run

# System packages the tests drive for real, from Debian's packages when missing:
# PostgreSQL (Dagster's production instance storage), Chromium (UI and digest checks) and its
# chromedriver (the workbench's Selenium test).
test-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing chromium, chromium-driver and postgresql (Debian packages)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver postgresql >/dev/null; \
	fi

test: setup test-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup assets_tests

# The UI and the daemon (schedules, sensors, run queue), with the workbench beside it on
# SERVE_PORT (stopped with it). DEV_HOST=0.0.0.0 to serve others.
DEV_HOST ?= 127.0.0.1
DEV_PORT ?= 3000
dev: setup
	@$(BIN)/coaching serve --host $(SERVE_HOST) --port $(SERVE_PORT) & serve_pid=$$!; \
		trap 'kill $$serve_pid 2>/dev/null' EXIT INT TERM; \
		$(BIN)/dagster dev -h $(DEV_HOST) -p $(DEV_PORT) -w workspace.yaml

# The workbench web app (workbench contract). Dev sign-in on 127.0.0.1; elsewhere set
# COACHING_AUTH=proxy, COACHING_SECRET_KEY and COACHING_TRUSTED_PROXIES.
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 8000
serve: setup
	$(BIN)/coaching serve --host $(SERVE_HOST) --port $(SERVE_PORT)

# dbt's documentation site (lineage, every model and column) from the built warehouse.
docs: setup
	@test -f data/warehouse/warehouse.duckdb || $(MAKE) run
	$(BIN)/coaching docs

# The benchmark: ingestion, dbt build, coaching, digests and an incremental nightly run against
# their DuckDB floors; landing zone cached in data/bench/, results in bench/results/$(SCALE).json.
bench: setup
	$(BIN)/python -m bench --scale $(SCALE)

# The coaching signal against the generator's ground truth at S and M (coaching contract,
# "Signal a manager can act on"): a fresh landing zone and warehouse per scale in data/eval/,
# as of a fixed date so the figures are reproducible; exit code 1 when a target is missed.
EVAL_SCALES ?= S M
EVAL_AS_OF ?= 2026-11-13
eval: setup
	@status=0; for scale in $(EVAL_SCALES); do \
		dir=data/eval/$$scale; rm -rf $$dir; mkdir -p $$dir; \
		echo "== scale $$scale: generate, coaching run (log: $$dir/run.log), eval"; \
		$(BIN)/coaching generate --out $$dir/landing --scale $$scale --as-of $(EVAL_AS_OF) >/dev/null || exit 1; \
		$(BIN)/coaching run --landing $$dir/landing --warehouse $$dir/warehouse/warehouse.duckdb \
			--output $$dir/output --as-of $(EVAL_AS_OF) >$$dir/run.log 2>&1 || { tail -20 $$dir/run.log; exit 1; }; \
		$(BIN)/coaching eval --landing $$dir/landing --warehouse $$dir/warehouse/warehouse.duckdb \
			--json $$dir/eval.json || status=1; \
	done; exit $$status

lint: $(INSTALLED)
	$(BIN)/ruff check coaching_pipeline sample_generator assets_tests

clean:
	rm -rf data/warehouse data/output data/dagster_home dbt_project/target
