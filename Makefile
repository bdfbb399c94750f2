# Relief: `make run` sets up everything and serves; `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve bench bench-smoke install migrate content test audit lint format clean

run: migrate content  ## Set up and serve on http://127.0.0.1:5000
	$(FLASK) run --host $(HOST) --port $(PORT)

# `make serve` is production unless RELIEF_CONFIG says otherwise, and so are the
# migrations and content load it runs first (they use the same keys and database).
serve: export RELIEF_CONFIG ?= production
serve: migrate content  ## Production: gunicorn with gunicorn.conf.py (needs SECRET_KEY, EMAIL_ENCRYPTION_KEYS, SITE_URL)
	$(BIN)/gunicorn -c gunicorn.conf.py "app:create_app()"

bench: install  ## The benchmark (about 20 minutes; needs wrk and nginx): Relief vs a Flask hello-world, nginx and Isso, with issue 15's targets, then a 100,000-comment WXR import (BENCH_DATABASE_URL: PostgreSQL too)
	$(BIN)/python bench/run.py

bench-smoke: install  ## The benchmark in miniature (about a minute): every scenario, as CI runs it
	BENCH_SMOKE=1 $(BIN)/python bench/run.py

install: $(VENV)/.installed  ## Create the virtualenv and install the app with its test tools

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

migrate: install  ## Apply database migrations
	$(FLASK) db upgrade

content: install  ## Load the articles in content/ (safe to run again)
	$(FLASK) content load

CHROMIUM ?= $(or $(CHROMIUM_PATH),$(shell command -v chromium 2>/dev/null),/usr/bin/chromium)

test: install  ## Lint, then run the test suite (TEST_DATABASE_URL picks PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -x "$(CHROMIUM)" ]; then echo "Browser tests: using $(CHROMIUM)"; \
	else echo "Browser tests: SKIPPED, no Chromium at $(CHROMIUM) (apt-get install chromium)"; fi
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/python -m pytest

audit: install  ## Check installed dependencies for known vulnerabilities (pip-audit)
	$(BIN)/pip-audit --skip-editable --progress-spinner off

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis
