# The whole set-up is two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint typecheck unit contract e2e bench bench-quick faults clean services-deps

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt deploy/system-packages.sh
	bash deploy/system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Real parts the tests start: Kafka jars from Maven Central, PostgreSQL from Debian.
services-deps: install
	bash deploy/system-packages.sh --with-test-tools
	bash deploy/kafka/kafka.sh fetch
	bash deploy/postgres/pg.sh install

run: install
	$(BIN)/pmf run --demo-if-empty

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services
	$(BIN)/python tools/check_imports.py

# The benchmarks run first in quick mode (so they cannot rot; their figures are
# not judged here), then every test tier; pytest's summary is the last line.
test: services-deps lint
	mkdir -p .run
	$(BIN)/python -m bench --quick --out .run/bench-quick.md --json .run/bench-quick.json
	$(BIN)/python -m pytest tests

unit: install
	$(BIN)/python -m pytest tests/unit

contract: services-deps
	$(BIN)/python -m pytest tests/contract

e2e: services-deps
	$(BIN)/python -m pytest tests/e2e

bench: services-deps
	$(BIN)/python -m bench

bench-quick: services-deps
	$(BIN)/python -m bench --quick

# Kill, stop and race the distributed system while inputs flow; check nothing
# was lost, doubled or different (docs/faults.md). `make test` runs it smaller.
faults: services-deps
	mkdir -p .run
	$(BIN)/python -m faults --out .run/faults.json

clean:
	rm -rf .run .pmf-data
