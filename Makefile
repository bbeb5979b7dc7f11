# Two entry points for a fresh machine with python3 (>= 3.10) and make:
#   make demo   install into .venv and run the whole generate flow against the built-in fake
#   make test   install the dev tools, then lint, types, tests, workflow lint, build, docs
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint types pytest workflows build docs bench clean redis-server catalog generate

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("kieai needs Python >= 3.10, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[cli]"
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/kie demo -o demo-output.mp4

test: lint types pytest workflows build docs

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# --verifytypes resolves kieai's dependencies through the first `python` on PATH: the venv's.
# It must report 100 % (every public symbol's type known); anything less fails the target.
types: $(VENV)/.dev-installed
	$(BIN)/pyright
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/pyright --verifytypes kieai --ignoreexternal > $(VENV)/verifytypes.txt \
		|| { cat $(VENV)/verifytypes.txt; exit 1; }
	@grep -E "Type completeness score: 100(\.0)?%" $(VENV)/verifytypes.txt \
		|| { cat $(VENV)/verifytypes.txt; echo "pyright --verifytypes: below 100 %"; exit 1; }

pytest: $(VENV)/.dev-installed redis-server
	$(BIN)/pytest

# The Redis tests (tests/redis/) start a real redis-server on a free loopback port. Found on
# PATH; else installed with apt-get when running as root; else this fails naming the command.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "redis-server not on PATH: installing Debian's redis-server package" >&2; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "redis-server not found on PATH (tests/redis need it). Install it with:" >&2; \
	    echo "    sudo apt-get update && sudo apt-get install -y redis-server    # Debian/Ubuntu" >&2; \
	    echo "    brew install redis                                          # macOS" >&2; \
	    exit 1; \
	  fi; }
	@command -v redis-server >/dev/null 2>&1 || { echo "redis-server still not on PATH after installing" >&2; exit 1; }

# The GitHub workflows, linted offline (neither tool needs the network): zizmor for security
# (pinned actions, permissions, injection), check-jsonschema against the workflow schema it ships.
workflows: $(VENV)/.dev-installed
	$(BIN)/zizmor --offline --quiet .github/workflows
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

build: $(VENV)/.dev-installed
	rm -rf dist
	$(BIN)/python -m build --outdir dist . >/dev/null
	$(BIN)/twine check --strict dist/*

docs: $(VENV)/.dev-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(VENV)/.dev-installed redis-server
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/probe.py
	$(BIN)/python benchmarks/upload.py
	$(BIN)/python benchmarks/redis_pacer.py
	$(BIN)/python benchmarks/catalog.py

# The Market catalog (not part of `make test`): `make catalog` rebuilds the data from Kie's pages
# (DOCS: a directory like ../shared/research/kie-docs) and regenerates what follows from it;
# `make generate` regenerates the typed surface and docs/catalog.md from the committed data.
DOCS ?= ../shared/research/kie-docs

catalog: $(VENV)/.dev-installed
	$(BIN)/python scripts/build_catalog.py $(DOCS)
	$(MAKE) generate

generate: $(VENV)/.dev-installed
	$(BIN)/python scripts/generate_types.py

clean:
	rm -rf $(VENV) dist site .pytest_cache .ruff_cache .coverage coverage.xml demo-output.mp4
