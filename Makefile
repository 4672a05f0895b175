# Vigil: every command a developer or CI needs. `make help` lists them.
# The virtualenv is created (and re-installed when pyproject.toml changes) on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
VIGIL  := $(VENV)/bin/vigil
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements/dev.lock
UV_VERSION := 0.13.8
SHARED ?= ../shared
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help venv lock run test test-fast lint format typecheck check-generated schemas openapi dashboards \
        system-deps bench bench-recovery replay-airwars replay-samples import-samples accuracy linkage-eval clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# Installs exactly the lock (every file checked against its hash), then Vigil itself without
# resolving anything; `pip check` fails when pyproject.toml asks for what the lock lacks.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; \
	  echo "$(LOCK) does not satisfy pyproject.toml: run 'make lock'"; exit 1; }
	@touch $(STAMP)

venv: $(STAMP) ## create the virtualenv and install Vigil with its dev tools (from the lock)

lock: ## re-resolve requirements/*.lock after a change to pyproject.toml (UPGRADE=1: newest allowed)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml requirements/build.in --extra dev \
	  --python-version 3.11 --generate-hashes --quiet $(if $(UPGRADE),--upgrade) -o $(LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml requirements/build.in -c $(LOCK) \
	  --python-version 3.11 --generate-hashes --quiet -o requirements/runtime.lock

run: $(STAMP) ## run Vigil on an embedded broker with the sample feed (Ctrl-C stops it all)
	$(PY) -m tools.demo $(ARGS)

system-deps: ## install Prometheus + Alertmanager + Chromium (Debian) for the tests that need them
	@if command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null \
	  && command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends prometheus prometheus-alertmanager chromium >/dev/null; \
	else echo "note: prometheus/alertmanager/chromium missing and not root: those tests will skip"; fi

lint: $(STAMP) ## ruff lint + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(STAMP) ## mypy (strict) over services, schemas and tests
	$(VENV)/bin/mypy

check-generated: $(STAMP) ## fail when JSON Schemas / AsyncAPI / OpenAPI / dashboards drift from the code, or a schema change breaks consumers
	$(PY) -m schemas.generate --check
	$(PY) -m services.ingest.openapi --check
	$(PY) -m services.console.openapi --check
	$(PY) -m deploy.grafana.dashboards --check

test: $(STAMP) system-deps lint typecheck check-generated ## everything CI runs: lint, types, all tests
	$(PY) -m pytest

test-fast: $(STAMP) ## unit tests only (no broker)
	$(PY) -m pytest -m "not integration"

schemas: $(STAMP) ## regenerate schemas/json/*.schema.json and schemas/asyncapi.yaml from the models
	$(PY) -m schemas.generate

openapi: $(STAMP) ## regenerate services/ingest/openapi.json and services/console/openapi.json
	$(PY) -m services.ingest.openapi --write
	$(PY) -m services.console.openapi --write

dashboards: $(STAMP) ## regenerate deploy/grafana/dashboards/*.json from deploy/grafana/dashboards.py
	$(PY) -m deploy.grafana.dashboards --write

bench: $(STAMP) ## throughput + latency benchmark on the embedded broker (prints numbers)
	$(PY) scripts/bench.py

SIZES ?= 50000,150000
bench-recovery: $(STAMP) ## recovery time, memory per incident, loop stall and re-sends of a replacement aggregator (SIZES=50000,150000)
	$(PY) scripts/bench_recovery.py --sizes $(SIZES)

replay-airwars: $(STAMP) ## replay ../shared/data/airwars_syria_incidents.csv and print alerts
	$(VIGIL) replay airwars $(SHARED)/data/airwars_syria_incidents.csv

replay-samples: $(STAMP) ## replay the Airwars and UCDP files of ../shared/data together
	$(VIGIL) replay airwars $(SHARED)/data/airwars_syria_incidents.csv \
	  ucdp $(SHARED)/data/ucdp_aec_ged_events_syria.csv

import-samples: $(STAMP) ## dry-run the three importers over ../shared/data
	$(VIGIL) import acled $(SHARED)/data/acled_global_2020-04-27_to_2020-05-09.csv --dry-run
	$(VIGIL) import ucdp $(SHARED)/data/ucdp_aec_ged_events_syria.csv --dry-run
	$(VIGIL) import airwars $(SHARED)/data/airwars_syria_incidents.csv --dry-run

linkage-eval: $(STAMP) ## linker on ../shared/data: precision (time-shifted decoys), recall (injected copies), crossings off/suggest/auto
	$(PY) scripts/linkage_eval.py --data $(SHARED)/data

accuracy: $(STAMP) ## free-text extraction accuracy: labelled real sentences (dev, held-out) and ACLED notes
	$(PY) scripts/extraction_accuracy.py

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
