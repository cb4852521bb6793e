# unisocial — `make run` (demo site) and `make test` (whole suite). See README.md.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall only when the dependencies change: keeps `make test` fast.
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench bench-load install migrate seed lint clean assets messages lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The demo: SQLite (default DATABASE_URL), Celery tasks in process (no REDIS_URL), DEBUG on;
# runserver also runs the periodic jobs in process (unisocial/devserver/beat.py).
run: export DEBUG = True
run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --keep-existing
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set; SQLite and eager Celery otherwise.
test: install messages
	$(BIN)/python -m pytest

# The catalogues (locale/<l>/LC_MESSAGES/django.po and djangojs.po) compiled to their .mo files with
# GNU gettext's msgfmt (apt-get install gettext; .ci/run does). The .mo files stay committed, so that
# `make run` needs Python alone: without msgfmt this says so and the committed ones serve
# (tests/core/test_translations.py checks they match their .po).
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then \
		DEBUG=True $(BIN)/python manage.py compilemessages --ignore '.venv' --ignore 'node_modules' --ignore 'staticfiles'; \
	else \
		echo "msgfmt (GNU gettext) is not installed: using the committed .mo files (apt-get install gettext to compile them)."; \
	fi

bench: install
	@if [ -f bench/run.py ]; then $(BIN)/python bench/run.py; \
	else echo "No benchmarks yet (bench/run.py does not exist)."; fi
	$(BIN)/python bench/records.py

# Load test (docs/performance.md): gunicorn + wrk on the 1M-post bench database (apt-get install wrk);
# e.g. `make bench-load LOAD_ARGS="--size 10000 --duration 10"`.
bench-load: install
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

migrate: install
	DEBUG=True $(BIN)/python manage.py migrate --noinput

# Start the demo data again from scratch.
seed: install
	DEBUG=True $(BIN)/python manage.py seed_demo --reset

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/db.sqlite3 staticfiles .pytest_cache

# The rich-text editor's bundle (static/js/editor.bundle.js, committed: `make run` needs no Node) and
# its schema export, from static/js/src/ and the npm packages pinned by package-lock.json.
assets:
	npm ci --no-audit --no-fund
	node static/js/src/build.mjs

# The image's dependencies (Dockerfile): every runtime dependency of pyproject.toml and its build
# requirement (requirements-build.in), pinned with the hashes of every file PyPI has for each
# version, for any platform Python 3.11 runs on (amd64 and arm64 images alike). Run after any
# change to the dependencies; tests/core/test_deploy.py fails while the lock misses one.
lock: install
	$(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" -o requirements.lock pyproject.toml requirements-build.in

# Known vulnerabilities of the locked versions (PyPI's advisory data; needs the network).
audit: install
	$(BIN)/pip-audit --requirement requirements.lock --require-hashes --disable-pip --strict --vulnerability-service pypi
