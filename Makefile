# Two entry points for a new user (see README):  make serve  /  make test
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: serve test validate browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Serve the embedded dataset with the production WSGI server.
serve: $(STAMP)
	$(BIN)/python -m server serve --host $(HOST) --port $(PORT)

## Validate the data against the shapes and print the report.
validate: $(STAMP)
	$(BIN)/python -m server validate

## Install everything (incl. Debian chromium for the browser test) and run the suite.
test: $(STAMP) browser
	$(BIN)/python -m pytest

## Debian's chromium for the real-browser test (skipped with a message if impossible).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium could not be installed; the browser test will be skipped"; }

## Benchmark against oxigraph serve-read-only and rdflib-endpoint; writes bench/REPORT.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache
