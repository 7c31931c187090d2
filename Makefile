# The two commands: `make run` (set up and run everything) and `make test` (the full suite).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e libs/common -e services/intake -e services/triage -e services/dispatch \
            -e services/sla-monitor -e services/notifier

.PHONY: setup run up down status clean test test-unit test-integration test-e2e test-faults faults-full bench bench-ledger bench-sla bench-intake bench-e2e bench-triage seed lint token contract

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python constraints.txt libs/common/pyproject.toml services/*/pyproject.toml
	$(BIN)/pip install -q -c constraints.txt $(PACKAGES) pytest pytest-asyncio hypothesis ruff mypy georeport jsonschema "cloudevents>=2.2"
	touch $@

setup: $(VENV)/.installed  ## install Python deps and fetch/build the local engines
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

bench-triage: setup  ## triage classifier: model load time and ms per text vs a jieba-cut floor
	$(BIN)/python bench/triage_classify.py

bench-sla: setup  ## P3/P4: SLA overdue lag, a 50k burst, 1M pending (BENCH_PENDING, BENCH_BURST, BENCH_P4_PENDING)
	$(BIN)/python bench/sla.py

# End-to-end benchmarks of issue #7 (engines started if needed; ARGS passes flags, e.g. ARGS="--help")
bench-intake: up  ## P1: intake's accepted complaints/s (open loop) vs a raw insert + acked-send floor
	$(BIN)/python bench/intake_p1.py $(ARGS)

bench-e2e: up  ## P2/P2b: accept → task and → owner notice on the whole stack, and a burst drain
	$(BIN)/python bench/e2e_p2.py $(ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

contract: $(VENV)/.installed  ## regenerate docs/asyncapi.yaml and docs/schemas/ from the event models
	$(BIN)/python -m pm_common.events.export

token: setup  ## print a demo staff token: make token ROLE=supervisor ESTATES=SUNNY
	@$(BIN)/python -m pm_common.auth --role $(or $(ROLE),front_desk) --estates $(or $(ESTATES),*)
