# The two commands: `make run` (set up and run everything) and `make test` (the full suite).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e libs/common -e services/intake -e services/triage -e services/dispatch \
            -e services/sla-monitor -e services/notifier -e services/console -e services/insights

.PHONY: setup run up down status clean test test-unit test-integration test-e2e test-faults faults-full bench bench-ledger bench-sla bench-intake bench-e2e bench-scaleout bench-triage seed lint token contract seed-org console-admin console-demo test-browser

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python constraints.txt libs/common/pyproject.toml services/*/pyproject.toml
	$(BIN)/pip install -q -c constraints.txt $(PACKAGES) pytest pytest-asyncio hypothesis ruff mypy georeport jsonschema "cloudevents>=2.2" schemathesis playwright pypdf
	touch $@

# ECharts for the console's statistics pages, from npm (package-lock.json), served from the console's static dir
ECHARTS := services/console/src/pm_console/entrypoints/static/vendor/echarts.min.js
$(ECHARTS): services/console/charts/package.json services/console/charts/package-lock.json
	cd services/console/charts && npm ci --no-audit --no-fund --silent
	mkdir -p $(dir $@) && cp services/console/charts/node_modules/echarts/dist/echarts.min.js $@

setup: $(VENV)/.installed $(ECHARTS)  ## install Python deps, the console's chart library, and fetch/build the local engines
	$(BIN)/python deploy/local/engines.py fetch

run: setup  ## start Kafka, FerretDB and the five services; Ctrl-C stops all
	$(BIN)/python deploy/local/run.py

up: setup  ## start only the engines (kept running)
	$(BIN)/python deploy/local/engines.py up

down:  ## stop the engines this project started
	$(BIN)/python deploy/local/engines.py down

status:
	$(BIN)/python deploy/local/engines.py status

clean:  ## stop the engines and wipe their data
	$(BIN)/python deploy/local/engines.py clean

test: setup  ## the full suite: unit, integration, e2e and fault injection on the real engines
	$(BIN)/python -m pytest

.PHONY: test-objectstore
test-objectstore: setup  ## only the S3 photo store against versitygw (also part of `make test`; built from the Go module proxy once: minutes)
	$(BIN)/python deploy/local/s3server.py fetch
	$(BIN)/python -m pytest -m objectstore tests/objectstore

test-unit: setup
	$(BIN)/python -m pytest -m unit

test-integration: setup
	$(BIN)/python -m pytest -m integration

test-e2e: setup
	$(BIN)/python -m pytest -m e2e

test-faults: setup  ## fault injection only (also part of `make test`): kill -9, replay, poison; CI's N
	$(BIN)/python -m pytest -m faults -p no:cacheprovider

faults-full: setup  ## the same scenarios with 100 items each (PM_FAULTS_N overrides), table in .local/faults.md
	PM_FAULTS_N=$(or $(PM_FAULTS_N),100) PM_FAULTS_REPORT=$(CURDIR)/.local/faults.md $(BIN)/python -m pytest -m faults -p no:cacheprovider

bench: setup
	$(BIN)/python bench/ferretdb_workload.py

bench-ledger: setup  ## ledger first-page latency at BENCH_N (100000) items vs a raw _id read
	$(BIN)/python bench/ledger.py --explain

seed: setup  ## load N realistic items into intake's DB: make seed N=100000 [DB=name]
	$(BIN)/python tools/seed.py $(or $(N),1000) $(if $(DB),--db $(DB))

seed-org: $(VENV)/.installed  ## load the demo organisation of SUNNY/JADE/JINXIU into the running dispatch (make run does it too)
	$(BIN)/python tools/seed_org.py $(if $(URL),--url $(URL))

bench-triage: setup  ## triage classifier: model load time and ms per text vs a jieba-cut floor
	$(BIN)/python bench/triage_classify.py

bench-sla: setup  ## P3/P4: SLA overdue lag, a 50k burst, 1M pending (BENCH_PENDING, BENCH_BURST, BENCH_P4_PENDING)
	$(BIN)/python bench/sla.py

.PHONY: bench-sla-memory
bench-sla-memory: setup  ## P4 without the bus: RSS of N clocks loaded by Monitor.load (BENCH_P4_PENDING, default 250k)
	$(BIN)/python bench/sla_memory.py

# End-to-end benchmarks of issue #7 (engines started if needed; ARGS passes flags, e.g. ARGS="--help")
bench-intake: up  ## P1: intake's accepted complaints/s (open loop) vs a raw insert + acked-send floor
	$(BIN)/python bench/intake_p1.py $(ARGS)

bench-e2e: up  ## P2/P2b: accept → task and → owner notice on the whole stack, and a burst drain
	$(BIN)/python bench/e2e_p2.py $(ARGS)

bench-scaleout: up  ## P5: triage throughput with 1 and with 2 instances in its consumer group, vs bare consumers
	$(BIN)/python bench/scaleout_p5.py $(ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

contract: $(VENV)/.installed  ## regenerate docs/asyncapi.yaml and docs/schemas/ from the event models
	$(BIN)/python -m pm_common.events.export

token: setup  ## print a demo staff token: make token ROLE=supervisor ESTATES=SUNNY
	@$(BIN)/python -m pm_common.auth --role $(or $(ROLE),front_desk) --estates $(or $(ESTATES),*)

console-admin: $(VENV)/.installed  ## create a console account (asks the password): make console-admin NAME=admin ROLE=admin ESTATES='*'
	$(BIN)/python -m pm_console.entrypoints.cli create-account --username $(or $(NAME),admin) --role $(or $(ROLE),admin) --estates '$(or $(ESTATES),*)'

console-demo: $(VENV)/.installed  ## create the console's demo accounts (dev only; listed in docs/console.md)
	$(BIN)/python -m pm_console.entrypoints.cli seed-demo

test-browser: setup  ## the console's browser tests (Debian's chromium, driven by Playwright)
	$(BIN)/python -m pytest tests/browser -p no:cacheprovider
