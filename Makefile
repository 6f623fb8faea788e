# Everything a new machine needs, from Python 3.11 alone. `make run` and `make test` set up
# .venv on first use (torch 2.13.0 CPU first, so nothing ever pulls a CUDA build).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Browser tests: Debian's chromium (never `playwright install`) and axe-core from the npm registry.
BROWSER_STAMP := .tools/.installed
# Shared-state tests and the load benchmark: Debian's postgresql, redis-server and wrk (started by
# the tests themselves on free loopback ports; Postgres as a dedicated user).
SERVICES_STAMP := .tools/.services
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run chat test test-slow eval install browser services lint bench bench-full bench-load clean lock train

run: $(STAMP)
	$(BIN)/faq ingest --if-empty --quiet
	$(BIN)/faq train --quiet
	$(BIN)/faq serve

chat: $(STAMP)
	$(BIN)/faq ingest --if-empty --quiet
	$(BIN)/faq train --quiet
	$(BIN)/faq chat

# The default run (lint, types, every test not marked slow): a few minutes. `make test-slow` runs the
# rest (real servers, browsers, Postgres, Redis, fuzzing: ~15 min); CI runs both.
# The classifier is trained (or loaded by its corpus hash) before the tests, not inside the first
# test that needs it: on a fresh clone training takes minutes, longer than a test's timeout.
test: $(STAMP) $(BROWSER_STAMP) $(SERVICES_STAMP)
	$(BIN)/ruff check core cli assistant knowledge guardrails ui evals benchmarks tests
	$(BIN)/mypy
	$(BIN)/faq train --quiet
	$(BIN)/python -m pytest -m "not slow" --durations=20

test-slow: $(STAMP) $(BROWSER_STAMP) $(SERVICES_STAMP)
	$(BIN)/python -m pytest -m slow --durations=20

# The release gate: every shipped question set against the committed baseline (exit 1 on a
# critical failure or a regression). Reports land in var/eval/report.{html,md,json}.
eval: $(STAMP)
	$(BIN)/faq ingest --if-empty --quiet
	$(BIN)/faq train --quiet
	$(BIN)/faq eval --out var/eval

# The message classifier is trained (or loaded from var/models by its corpus hash) on first use;
# `faq train --answerability` also refits the two small models committed as YAML.
train: $(STAMP)
	$(BIN)/faq train

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Pin what .venv holds now (after adding or upgrading a dependency in pyproject.toml, and testing).
lock: $(STAMP)
	{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^spine-faq'; } > constraints.tmp
	mv constraints.tmp constraints.txt

browser: $(BROWSER_STAMP)

$(BROWSER_STAMP):
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	mkdir -p .tools
	npm install --no-save --silent --no-audit --no-fund --prefix .tools axe-core@4
	touch $(BROWSER_STAMP)

services: $(SERVICES_STAMP)

$(SERVICES_STAMP):
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && test -x /usr/bin/redis-server && test -x /usr/bin/wrk || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server wrk)
	mkdir -p .tools
	touch $(SERVICES_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check core cli assistant knowledge guardrails ui evals benchmarks tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/faq bench --out var/bench

# The long benchmarks behind the issues' figures (MedQuAD 16k ingest, retrieval, guardrails): ~30 min.
bench-full: $(STAMP)
	$(BIN)/python benchmarks/ingest_bench.py --work var/bench
	$(BIN)/python benchmarks/retrieval_bench.py --full-index var/bench
	$(BIN)/python benchmarks/guardrails_bench.py

# Two API processes on shared Postgres and Redis under wrk (issue 15's throughput figures): ~5 min.
bench-load: $(STAMP) $(SERVICES_STAMP)
	$(BIN)/python benchmarks/load_bench.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
