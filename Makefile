# The two commands of README.md: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test lint format bench system-deps pdf-deps install clean messages

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime

# Debian packages the PDFs need (WeasyPrint renders with pango; harfbuzz-subset embeds font subsets).
pdf-deps:
	@{ ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset && fc-list | grep -qi dejavu; } || { \
	  echo "Installing Debian's pango, harfbuzz-subset and DejaVu fonts for the PDFs"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; }

# Debian packages the tests need: Chromium for the browser tests, the PDF libraries, and pdftoppm.
system-deps: pdf-deps
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core; }
	@command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || { \
	  echo "Installing Debian's gettext: the tests rebuild the translation catalogues to check them"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "Installing Debian's poppler-utils: the PDF tests look at pages as images"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils; }

## The main job on the embedded default: SQLite, filesystem broker, web + worker + beat.
run: $(VENV)/.runtime pdf-deps
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo --check-odoo
	$(PY) manage.py run_portal

## The whole test suite (SQLite locally; CI sets DATABASE_URL and CELERY_BROKER_URL).
test: $(VENV)/.dev system-deps
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

## Benchmarks (figures for closing notes; not part of the test suite).
bench: $(VENV)/.dev
	$(PY) bench/odoo_latency.py
	$(PY) bench/odoo_latency.py --latency-ms 12
	$(PY) bench/sync_bench.py

## Translation catalogues: extract the marked strings, merge into locale/, compile, count (needs gettext).
I18N_IGNORE := --ignore=.venv/* --ignore=tests/* --ignore=bench/* --ignore=docs/* --ignore=locale/* \
	--ignore=node_modules/* --ignore=var* --ignore=test-artifacts/* --ignore=static/*
messages: $(VENV)/.dev
	$(PY) manage.py makemessages --no-obsolete --add-location=file -l de -l fr -l es $(I18N_IGNORE)
	$(PY) manage.py compilemessages --ignore=.venv
	$(PY) manage.py catalogue_status

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var test-artifacts
