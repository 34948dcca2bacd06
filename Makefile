# Two commands do everything on a fresh machine with Python 3.11:
#   make crawl   — install, then crawl settings/portals.toml into ./ogi-data
#   make test    — install (incl. test tools), then lint and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp-install

.PHONY: crawl test lint demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

crawl: $(STAMP)
	$(BIN)/ogi crawl $(ARGS)

demo: $(STAMP)
	$(BIN)/ogi demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
