# Two commands on a fresh machine with Python 3.11+ and make:
#   make demo   simulate orders, run the pipeline once, serve the dashboard
#               (SOURCE=edi: through EDI X12 documents and the importer)
#   make test   the whole suite (lint, unit, dbt, Dagster, dashboard, browser)

# The venv's interpreter: Debian's python3.11 where there is one. Debian builds it with
# profile-guided and link-time optimisation into a statically linked interpreter; a python3 built
# from source with the defaults (pyenv's here: a shared libpython, neither optimisation) runs the
# simulator a sixth slower. Any other Python 3.11+: make PYTHON=/path/to/python3
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= data/demo
PORT ?= 8501
# make demo SOURCE=edi|shopify|olist: the pipeline over orders that arrive through an importer
# (EDI: the simulated quarter's EDI-channel orders as X12; Shopify and Olist: the examples/).
SOURCE ?=
# Empty: the dashboard listens on 127.0.0.1 only; `make demo HOST=0.0.0.0` serves other machines too.
HOST ?=

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process (and the
	# simulator's writer) would otherwise compile SQLAlchemy and the rest from source at each start.
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q alerts analysts report contract ingest expectations orchestration dashboards order_core orderpulse warehouse benchmarks
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh "$(DEMO_DIR)" "$(PORT)" "$(SOURCE)" "$(HOST)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models macros --processes 2

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && ../$(BIN)/sqlfluff fix models --processes 2

test: $(STAMP)
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_tmux.sh
	$(MAKE) lint
	# One worker per core, a test file per worker: most tests wait on a subprocess (orderpulse run,
	# dbt, a browser) that leaves the other core idle. Files keep their module fixtures to themselves.
	$(BIN)/pytest -n auto --dist loadfile --durations=30

bench: $(STAMP)
	$(BIN)/python -m benchmarks.pipeline --orders $${ORDERS:-1000000}

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs data
