# payrisk — the commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := .venv/.payrisk-setup
BUF_DIR := .cache/buf
BUF := $(BUF_DIR)/node_modules/.bin/buf
BUF_VERSION := 1.50.0
PYTEST_ARGS ?=

.PHONY: help setup proto lock lint test test-fast run up down bench certs fabric-up fabric-down fabric-clean clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(PY):
	python3 -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check "uv==0.13.9"

# Generated code must exist before the editable packages are installed, so: tools, protos, then the lock.
$(STAMP): requirements.lock $(shell find protos -name '*.proto') | $(UV)
	$(UV) pip install -q --python $(PY) $$(grep -E '^(grpcio|grpcio-tools|protobuf)==' requirements.lock)
	PYTHON=$(PY) bash scripts/gen-proto.sh
	$(UV) pip sync -q --python $(PY) requirements.lock
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with everything pinned in requirements.lock, and generate the protobuf code

proto: | $(UV) ## Regenerate the Python code of protos/ into libs/proto/src
	PYTHON=$(PY) bash scripts/gen-proto.sh

lock: | $(UV) ## Re-resolve requirements.in into requirements.lock
	$(UV) pip compile -q requirements.in -o requirements.lock --python-version 3.11 --no-emit-index-url --no-header

$(BUF):
	npm install --silent --no-audit --no-fund --prefix $(BUF_DIR) @bufbuild/buf@$(BUF_VERSION)

lint: setup $(BUF) ## ruff, mypy, and buf lint of the protos
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(BUF) lint protos
	$(BUF) format --diff --exit-code protos

test: lint ## The whole suite: lint, unit, integration (SQLite and PostgreSQL), e2e
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup ## Unit tests only (no PostgreSQL, no Fabric, nothing slow)
	$(PY) -m pytest -m "not postgres and not fabric and not slow and not e2e" $(PYTEST_ARGS)

up: setup ## Start every service in the background (addresses in .payrisk/endpoints.json, logs in .payrisk/logs)
	$(PY) scripts/devstack.py up

down: ## Stop what `make up` started
	@[ -x $(PY) ] && $(PY) scripts/devstack.py down || true

run: setup ## Set up, start everything, and run a short demo; Ctrl-C stops it all
	$(PY) scripts/devstack.py run

bench: setup ## Benchmarks, each printing a ratio against a baseline measured in the same run
	$(PY) bench/run.py

certs: setup ## A local CA and mTLS certificates for every service, an operator and a demo terminal (.payrisk/certs)
	$(PY) scripts/certs.py

FABRIC := deploy/fabric/network.sh
NO_FABRIC := echo "The native Fabric network is not part of this checkout yet; the ledger uses its embedded backend." >&2; exit 1

fabric-up: ## Start the native Hyperledger Fabric network (builds Fabric's commands the first time)
	@if [ -f $(FABRIC) ]; then bash $(FABRIC) up; else $(NO_FABRIC); fi

fabric-down: ## Stop the Fabric network, keeping its data
	@if [ -f $(FABRIC) ]; then bash $(FABRIC) down; else $(NO_FABRIC); fi

fabric-clean: ## Stop the Fabric network and wipe its data
	@if [ -f $(FABRIC) ]; then bash $(FABRIC) clean; else $(NO_FABRIC); fi

clean: down ## Remove runtime state (.payrisk) and generated code
	rm -rf .payrisk libs/proto/src
