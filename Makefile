# The two commands: `make run` and `make test`. Everything else is a step they use.
# `make bench` runs the load benchmark (bench/README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Processes the suite runs in (pytest-xdist): one per core; TEST_JOBS=0 runs it in this one.
TEST_JOBS ?= auto
export FLASK_APP := app

.PHONY: run test setup deps system-deps translations migrate clean messages bench bench-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deps: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

deps: $(VENV)/.deps system-deps

# Pillow draws Thai correctly only with its raqm layout, which loads the system's libfribidi.
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libfribidi; then \
	  echo "Installing libfribidi (needed to shape Thai on labels)"; \
	  (apt-get update -qq && apt-get install -y -qq libfribidi0) || \
	  echo "WARNING: could not install libfribidi0; Thai on PNG labels will be mis-shaped"; fi
	@# The browser tests (tests/browser) drive Debian's Chromium; Playwright never downloads one.
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing chromium (for the browser tests)"; \
	  (apt-get update -qq && apt-get install -y -qq chromium) || \
	  echo "WARNING: could not install chromium; the browser tests will be skipped"; fi
	@# flask backup / flask restore on PostgreSQL run pg_dump, pg_restore and psql.
	@if ! command -v pg_dump >/dev/null 2>&1; then \
	  echo "Installing postgresql-client (pg_dump and pg_restore, for backups on PostgreSQL)"; \
	  (apt-get update -qq && apt-get install -y -qq postgresql-client) || \
	  echo "WARNING: could not install postgresql-client; flask backup will not work on PostgreSQL"; fi

translations: deps
	$(BIN)/pybabel compile -d translations

migrate: deps
	$(BIN)/flask db upgrade

setup: deps translations

run: setup migrate
	$(BIN)/flask demo-data --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -W error -n $(TEST_JOBS) --dist worksteal $(PYTEST_ARGS)

# The load benchmark: builds the scale data once (kept in the temporary folder, or DATABASE_URL),
# then serves the app and a hello-world ceiling under gunicorn and drives both with wrk.
# `make bench BENCH_SCALE=0.1 BENCH_DURATION=5` for a quicker run; BENCH_ARGS go to bench/run.py.
BENCH_SCALE ?= 1
BENCH_DURATION ?= 10
bench: setup bench-deps
	$(BIN)/python bench/generate.py --if-missing --scale $(BENCH_SCALE)
	$(BIN)/python bench/run.py --scale $(BENCH_SCALE) --duration $(BENCH_DURATION) $(BENCH_ARGS)

bench-deps:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  echo "Installing wrk (the load generator of make bench)"; \
	  (apt-get update -qq && apt-get install -y -qq wrk) || \
	  { echo "ERROR: could not install wrk (Debian package wrk)"; exit 1; }; fi

# Refresh the message catalogs after changing strings (then translate the new entries).
messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o translations/messages.pot --no-location --no-wrap --sort-output --ignore-dirs=".venv migrations tests" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --no-wrap

clean:
	rm -rf $(VENV) .pytest_cache
