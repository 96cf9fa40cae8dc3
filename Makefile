# Ribbon: `make run` to try it, `make test` to check it. See README.md.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# Stamps mark what is installed: the runtime alone (`make run`, `make serve`), or the
# runtime plus tests and tools (`make test`, `make lint`). Each is redone when its file changes.
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

AUDIT_VENV := .venv-audit
# axe-core for the accessibility tests and vnu-jar (the Nu Html Checker) for the HTML check; npm gives files
# old timestamps, so a stamp marks the install. --ignore-scripts: vnu-jar's install script would fetch a Java
# runtime from outside; Java comes from Debian (apt-get install -y default-jre-headless).
AXE_STAMP  := node_modules/.installed

.PHONY: run test lint format install install-dev migrate demo clean help audit serve bench bench-compare screenshots

help:
	@echo "make run    - install, migrate, load demo content, ensure an admin, serve on http://127.0.0.1:$(PORT)/"
	@echo "make test   - install what is missing and run the whole test suite"
	@echo "make lint   - ruff: lint, import order and format (make format fixes what it can)"
	@echo "make serve  - production-like: DJANGO_DEBUG=0, collectstatic, gunicorn (2 workers) on $(PORT)"
	@echo "make bench  - the performance benchmark at 10, 100 and 1,000 treatments (docs/performance.md), search on PostgreSQL too"
	@echo "make bench-compare A=<rev> B=<rev> - two revisions measured in one run, interleaved (docs/performance.md)"
	@echo "make screenshots - the browser tests, saving a screenshot of every public page in test-artifacts/screenshots/"
	@echo "make audit  - check requirements.txt for known vulnerabilities (pip-audit)"
	@echo "make clean  - remove the virtualenv, the SQLite database, the page cache and collected files"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) was not found: install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The site's runtime only: no test or lint package is installed by `make run`.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP) $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Migrations, stored HTML, the demo content and an admin in one process (manage.py prepare_site), then serve.
run: install
	$(BIN)/python manage.py prepare_site --demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve: install
	PORT=$(PORT) BIN=$(BIN) scripts/serve

# SQLite, every page at N = 10, 100 and 1,000 and appeal night (bench/appeal_night.py) on one server;
# then at N = 1,000 on PostgreSQL the searches (the pages whose cost differs most between the two) and
# appeal night on two servers sharing Redis, in a database (BENCH_POSTGRESQL_URL) and a Redis database
# (BENCH_REDIS_URL) the bench empties first.
BENCH_POSTGRESQL_URL ?= postgres://postgres@127.0.0.1:5432/ribbon_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9

# Two revisions (or two settings: BENCH_ARGS="--b-env NAME=VALUE") measured in one run, interleaved
# round by round, e.g. make bench-compare A=main B=HEAD BENCH_ARGS="--pages 'treatment detail'".
bench-compare: install-dev
	@test -n "$(A)" -a -n "$(B)" || { echo "name two revisions: make bench-compare A=<rev> B=<rev>"; exit 2; }
	$(BIN)/python bench/compare.py $(A) $(B) $(BENCH_ARGS)

bench: install-dev
	@status=0; \
	$(BIN)/python bench/run.py $(BENCH_ARGS) || status=1; \
	BENCH_DATABASE_URL=$(BENCH_POSTGRESQL_URL) $(BIN)/python bench/run.py --sizes 1000 \
		--pages "search,appeal night" --servers 2 --redis $(BENCH_REDIS_URL) \
		--report performance-postgresql $(BENCH_ARGS) || status=1; \
	exit $$status

# The browser tests, keeping a picture of every public page at each width (the README's pictures are copies).
screenshots: install-dev $(AXE_STAMP)
	$(BIN)/python -m pytest tests/browser --screenshots $(PYTEST_ARGS)

$(AXE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $(AXE_STAMP); \
	else \
		echo "npm not found: install Node.js to run the accessibility tests and the HTML check (they will be skipped)"; \
	fi

# One pytest process per core (pytest-xdist, each with its own test database, each module's tests in one
# process so that a site a module builds is built once). TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= auto

test: install-dev $(AXE_STAMP)
	@command -v java >/dev/null 2>&1 || echo "java not found: the HTML check (Nu Html Checker) will be skipped; install it with apt-get install -y default-jre-headless"
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pip-audit lives in its own virtualenv so its dependencies never mix with the site's.
$(AUDIT_VENV)/bin/pip-audit:
	$(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1

audit: $(AUDIT_VENV)/bin/pip-audit
	$(AUDIT_VENV)/bin/python .ci/audit_dependencies.py $(AUDIT_VENV)/bin/pip-audit

clean:
	rm -rf $(VENV) $(AUDIT_VENV) node_modules test-artifacts db.sqlite3 staticfiles var .pytest_cache .hypothesis bench/work
