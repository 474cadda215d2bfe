# toggl-track-client: one target per task. `make help` lists them.
# `make` (the main job) bootstraps, regenerates and verifies the contract against the embedded emulator;
# `make test` runs the whole test suite. Both set everything up on a fresh machine.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
MAKEFLAGS += --no-print-directory

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --locked --no-sync
NODE_BIN := node_modules/.bin
# Most tests wait on servers and subprocesses: more workers than the 2 cores pay off.
TEST_WORKERS ?= 4
EMULATOR_PORT ?= 4010
EMULATOR_ARGS ?=
# `make mock` and its variables are the emulator's former names, kept working.
MOCK_PORT ?= $(EMULATOR_PORT)
MOCK_ARGS ?= $(EMULATOR_ARGS)
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

.PHONY: all help bootstrap generate check-generated lint test emulator mock contract contract-live \
	contract-cleanup emulator-check release-check bump changelog build publish docs bench clean

all: bootstrap generate contract ## The main job: bootstrap, regenerate, verify the contract against the emulator

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# --- set-up -------------------------------------------------------------------------------------

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled once here: every server, run and test process starts twice as fast after it.
.venv/.synced: $(UV) pyproject.toml uv.lock emulator/pyproject.toml contract/pyproject.toml pipeline/pyproject.toml bench/pyproject.toml
	$(UV) sync --locked --quiet --compile-bytecode
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bootstrap: .venv/.synced node_modules/.installed ## Install uv (pinned), the Python env (uv.lock) and the Node tools (package-lock.json)

# --- the contract and the generated package -----------------------------------------------------

generate: .venv/.synced ## Regenerate generated/ from openapi.yaml
	$(RUN) python -m toggl_pipeline.generate

check-generated: .venv/.synced ## Fail when generated/ differs from a fresh generation of openapi.yaml
	$(RUN) python -m toggl_pipeline.check_generated
	@# From inside generated/ so its own ruff settings apply; not via `uv run`, which would take
	@# generated/pyproject.toml for a project and make it a virtual environment.
	cd generated && $(CURDIR)/.venv/bin/ruff check --quiet --no-cache . \
		&& $(CURDIR)/.venv/bin/mypy --strict --no-incremental --cache-dir=/dev/null toggl_track_client

lint: bootstrap ## Lint the spec (openapi-spec-validator, Redocly), our code (ruff, mypy) and the workflows
	$(RUN) openapi-spec-validator openapi.yaml
	$(NODE_BIN)/redocly lint --format=stylish --max-problems=100 openapi.yaml
	@$(NODE_BIN)/redocly lint --format=json openapi.yaml 2>/dev/null \
		| python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; sys.exit("redocly: %d errors, %d warnings" % (t["errors"], t["warnings"]) if t["errors"] or t["warnings"] else 0)'
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy sdk/runtime emulator/src contract/src pipeline/src bench/src tests
	$(RUN) python -m toggl_pipeline.tautologies tests examples/tests
	$(RUN) check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(RUN) check-jsonschema --builtin-schema vendor.github-actions .github/actions/*/action.yml
	$(RUN) zizmor --offline --quiet .github/workflows/ .github/actions/

# --- tests --------------------------------------------------------------------------------------

test: bootstrap lint check-generated ## The whole test suite (lint, drift check, pytest, contract)
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadgroup
	$(MAKE) contract

# --- the Toggl emulator -------------------------------------------------------------------------

emulator: .venv/.synced ## Serve the Toggl emulator on 127.0.0.1:EMULATOR_PORT (default 4010; flags: EMULATOR_ARGS)
	$(RUN) toggl-emulator --port $(MOCK_PORT) $(MOCK_ARGS)

mock: emulator ## The same as `make emulator` (MOCK_PORT, MOCK_ARGS)

clean: ## Remove environments, caches and reports (not generated/)
	rm -rf .venv $(TOOLS) node_modules bench/node_modules reports dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis

# --- contract verification ----------------------------------------------------------------------

contract: .venv/.synced ## Verify openapi.yaml against the emulator, or against TOGGL_API_URL (guarded)
	$(RUN) toggl-contract run

contract-live: .venv/.synced ## Verify the live API, guarded (TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID; TOGGL_CONTRACT_BUDGET=30)
	$(RUN) toggl-contract live

contract-cleanup: .venv/.synced ## Delete what earlier runs provably created and abandoned (clients, projects), and nothing else
	$(RUN) toggl-contract cleanup

emulator-check: .venv/.synced ## List where a fresh emulator answers a cassette differently (CASSETTE=reports/contract-live/cassette.jsonl)
	$(RUN) toggl-contract emulator-check $(or $(CASSETTE),reports/contract-live/cassette.jsonl)

# --- release pipeline ---------------------------------------------------------------------------

release-check: bootstrap ## Fail unless each version (SDK, emulator) is bumped as the changes since the last v* tag need
	$(RUN) python -m toggl_pipeline.release_check

bump: bootstrap ## Set each version to the smallest the release check accepts, write the changelogs, regenerate
	$(RUN) python -m toggl_pipeline.release_check --bump
	$(RUN) python -m toggl_pipeline.generate
	$(UV) lock --quiet
	$(UV) sync --locked --quiet

changelog: bootstrap ## Write the release check's entries into CHANGELOG.md and emulator/CHANGELOG.md
	$(RUN) python -m toggl_pipeline.release_check --write-changelog

build: .venv/.synced ## The three distributions into dist/: reproducible, twine-checked, tested installed (smoke, examples/)
	$(RUN) python -m toggl_pipeline.build

publish: build ## Upload what `make build` just built (PUBLISH_UPLOAD_URL, credentials from the environment); a dry run without them
	$(RUN) python -m toggl_pipeline.publish

docs: .venv/.synced node_modules/.installed ## HTTP and SDK references, linked, offline: build/docs/index.html
	$(RUN) python -m toggl_pipeline.docs

# --- benchmarks ---------------------------------------------------------------------------------

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

mutation: .venv/.synced ## Mutation testing of the modules that protect users (cosmic-ray): reports/mutation/
	$(RUN) python -m toggl_pipeline.mutation

bench: .venv/.synced bench/node_modules/.installed ## Benchmarks side by side (emulator vs Prism, client vs httpx, pipeline): reports/bench/
	$(RUN) python -m toggl_bench
