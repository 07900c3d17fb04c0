# parbook — make demo: the quarterly report of the demo commune; make test: the whole test suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
# WeasyPrint's libraries (Pango, HarfBuzz with its subsetter, Fontconfig) are listed: a machine
# without chromium does not get them by chance.
APT_PACKAGES := fonts-liberation2 fonts-noto-core fonts-dejavu-core poppler-utils \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1
APT_TEST_PACKAGES := postgresql chromium openssl libreoffice-calc-nogui
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast setup system-deps test-deps lint bench bench-quick lab clean

demo: setup
	$(VENV)/bin/parbook demo

test: setup test-deps
	$(VENV)/bin/pytest -q -n auto --dist loadfile

# unit and contract tests only (no notebooks, reports, subprocesses or PostgreSQL)
test-fast: setup
	$(VENV)/bin/pytest -q -n auto --dist loadfile -m "unit or contract"

setup: system-deps $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

test-deps:
	@missing=""; for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

$(STAMP): pyproject.toml uv.lock Makefile
	@command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv==$(UV_VERSION)
	uv sync -q --locked --compile-bytecode --extra dev --python 3.11
	$(PY) -m ipykernel install --prefix $(VENV) --name parbook --display-name "parbook (Python 3.11)" >/dev/null
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check parbook tests bench

bench: setup
	$(PY) -m bench

bench-quick: setup
	$(PY) -m bench --quick

lab: setup
	$(VENV)/bin/parbook lab

# Only what make and the demo wrote: never a commune's database (data/parbook.sqlite or any
# PARBOOK_DB) nor its reports (outputs/<unit>/).
clean:
	rm -rf $(VENV) build dist parbook.egg-info .ruff_cache .pytest_cache 	  data/demo.sqlite data/demo.sqlite-* data/demo.demo-ground-truth.csv outputs/DEMO-ANLOC
