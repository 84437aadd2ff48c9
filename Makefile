# The two commands a newcomer needs:  make run  and  make test  (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n 2 -rs
DEMO_CASES ?= 500
DEMO_PASSWORD ?= demo-pass-2026
PORT ?= 8000

.PHONY: run test lint setup dev-setup browser test-postgres messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

dev-setup: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

# Set up everything and start web + worker on SQLite with demo data.
run: setup
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo --cases $(DEMO_CASES) --password $(DEMO_PASSWORD)
	DEBUG=1 $(BIN)/python manage.py setup_schedules
	@DEBUG=1 SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py borrower_link --example
	@echo "loanflow: http://127.0.0.1:$(PORT)/  (log in with a user printed above, password $(DEMO_PASSWORD))"
	DEBUG=1 SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py run_web_and_worker --port $(PORT)

# One machine with production settings on PostgreSQL and Redis: migrate,
# collectstatic, setup_schedules, then gunicorn (WEB_WORKERS, default 2) and
# WORKER_PROCESSES qcluster processes (default 2); Ctrl-C stops them all.
# Plain http on loopback; see deploy/run_prod.sh and deploy/env.example.
.PHONY: prod
prod: setup
	PORT=$(PORT) bash deploy/run_prod.sh

# Debian's chromium and Chinese fonts for the browser tests (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list | grep -qi wenquanyi || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	    || echo "WARNING: could not install chromium; browser tests will be skipped"; }

# Set up and run the whole test suite, after the linters (ruff; the layers
# contract of pyproject.toml). DATABASE_URL picks the database (default
# SQLite); make test-postgres runs it on the local PostgreSQL.
test: dev-setup browser lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: dev-setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

test-postgres:
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/loanflow $(MAKE) test

# Each app keeps its own catalogue (cases/locale, notifications/locale, ...);
# the project's own templates (templates/: base.html, registration/) and
# settings have locale/ at the top.
APPS := cases notifications borrowers dashboards api drills ops
messages:
	for app in $(APPS); do \
	  (cd $$app && DEBUG=1 ../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete \
	    --settings=loanflow.settings --pythonpath=.. && \
	   DEBUG=1 ../$(BIN)/django-admin compilemessages --settings=loanflow.settings --pythonpath=..); \
	done
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete \
	  $(foreach app,$(APPS),--ignore '$(app)/*') --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*'
	cd locale && DEBUG=1 ../$(BIN)/django-admin compilemessages --settings=loanflow.settings --pythonpath=..

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
