# Two commands do everything on a fresh machine with Python 3.11:
#   make crawl   — install, then crawl settings/portals.toml into ./ogi-data
#   make test    — install (with test tools and the document converters), lint, run all tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp-install
# pywb (the replay tool our WARCs must work in) pins old libraries: its own venv, for tests.
PYWB_VENV  ?= .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.stamp-install
# Converters the extractors call (DOC/WPS via LibreOffice, antiword as fallback; OCR for
# scanned PDFs) and a CJK font the OCR test draws with. Installed when missing.
APT_PACKAGES := libreoffice-writer-nogui antiword tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-microhei
# The browser tests (tests/web/) drive Debian's Chromium through Playwright (never
# `playwright install`: it downloads a browser build); WenQuanYi (above)
# renders the pages' Chinese. Not fonts-noto-cjk: pdfium maps its huge font files into
# every OCR worker, eating into the sandbox's address-space cap (extract/sandbox.py).
APT_PACKAGES += chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: crawl test lint demo system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(PYWB_STAMP):
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install --quiet --upgrade pip
	$(PYWB_VENV)/bin/pip install --quiet 'pywb>=2.8,<3'
	touch $(PYWB_STAMP)

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

crawl: $(STAMP) system-deps
	$(BIN)/ogi crawl $(ARGS)

demo: $(STAMP)
	$(BIN)/ogi demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) $(PYWB_STAMP) system-deps lint
	OGI_PYWB_BIN=$(abspath $(PYWB_VENV))/bin $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(PYWB_VENV) .pytest_cache .ruff_cache *.egg-info
