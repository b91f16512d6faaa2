# The two commands of the README, and a few conveniences around them.
# `make demo`  sets everything up on a fresh machine and runs the stack on localhost with the demo survey.
# `make test`  runs every test: Python unit/integration suites, browser e2e, and the front end's Vitest.

SHELL := /bin/bash
PY := .venv/bin/python
DEMO_STORE ?= $(CURDIR)/.demo/store

.PHONY: demo test setup setup-test demo-data stack lint bench clean

demo: setup demo-data stack

test: setup-test
	cd frontend && npm test --silent && npm run --silent size
	$(PY) -m pytest -q --timeout=600

setup:
	.ci/setup demo

setup-test:
	.ci/setup test

demo-data: setup
	@test -f $(DEMO_STORE)/catalog.json || .venv/bin/mpa-catalog demo $(DEMO_STORE)

stack:
	$(PY) -m e2e.stack --store $(DEMO_STORE)

lint: setup-test
	.venv/bin/ruff check backend tiler catalog-builder tests e2e bench

bench: setup-test
	$(PY) bench/run_all.py

clean:
	rm -rf .demo test-output frontend/dist
