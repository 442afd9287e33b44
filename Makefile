# Two entry points for a new user (see README):  make serve  /  make test
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: serve test validate browser clients editor bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Serve the embedded dataset with the production WSGI server.
serve: $(STAMP) editor
	$(BIN)/python -m server serve --host $(HOST) --port $(PORT)

## Validate the data against the shapes and print the report.
validate: $(STAMP)
	$(BIN)/python -m server validate

## Install everything (incl. Debian chromium for the browser test, the node clients, the query editor) and run the suite.
test: $(STAMP) browser clients editor
	$(BIN)/python -m pytest

## Debian's chromium for the real-browser test (skipped with a message if impossible).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium could not be installed; the browser test will be skipped"; }

## The node clients (Comunica, jsonld.js) and axe-core pinned in tests/clients/package-lock.json
## (their test is skipped with a message without node).
clients:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "note: npm is not installed; the node client test will be skipped (or fail, if node is here)"; \
	elif [ ! tests/clients/node_modules/.package-lock.json -nt tests/clients/package-lock.json ]; then \
	  npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error \
	  || echo "note: npm ci failed; the node client test will fail"; \
	fi

## The query page's editor (CodeMirror 6, pinned in editor/package-lock.json), bundled by
## esbuild into server/static/editor/; without npm the query page is the plain form.
EDITOR_JS := server/static/editor/editor.js
editor:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "note: npm is not installed; the query page will be the plain form, without its editor"; \
	else \
	  if [ ! editor/node_modules/.package-lock.json -nt editor/package-lock.json ]; then \
	    npm ci --prefix editor --no-audit --no-fund --loglevel=error \
	    || echo "note: npm ci failed; the query page will be the plain form, without its editor"; \
	  fi; \
	  if [ -d editor/node_modules ] && { [ ! -f $(EDITOR_JS) ] || [ -n "$$(find editor/src editor/package-lock.json -newer $(EDITOR_JS) 2>/dev/null)" ]; }; then \
	    npm run --prefix editor --silent build \
	    || echo "note: the editor could not be built; the query page will be the plain form"; \
	  fi; \
	fi

## Benchmark against oxigraph serve-read-only and rdflib-endpoint; writes bench/REPORT.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache tests/clients/node_modules editor/node_modules server/static/editor
