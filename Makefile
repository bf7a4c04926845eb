# The two set-up commands (see README.md): `make serve` and `make test`.
# Both create the virtual environment and install what they need; both are safe to run twice.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Local development only: a throwaway secret and debug pages. Production sets its own.
DEV_ENV := DEBUG=true

.PHONY: serve test install lint format schema bench clean prod

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@test -f .env || printf '# Local development only (not committed): see README, Operator.\nDEBUG=true\n' > .env
	@touch $@

install: $(VENV)/.installed

## serve: migrate the SQLite default, load the territory extract and the demo data, serve on 127.0.0.1:8000
serve: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py import_territories registry/data/cog-extract --no-progress
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@$(DEV_ENV) DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD=admin \
		DJANGO_SUPERUSER_EMAIL=admin@example.org \
		$(BIN)/python manage.py createsuperuser --noinput >/dev/null 2>&1 || true
	@KEY=$$($(DEV_ENV) $(BIN)/python manage.py create_api_key demo --replace --key-only \
		--scopes read,write,personal_data,analysis); \
	echo ""; \
	echo "  Participation registry on http://$(HOST):$(PORT)/"; \
	echo "  Explorer:  http://$(HOST):$(PORT)/explore/#territory=commune:75056   (the demo key below, or log in to the admin)"; \
	echo "  API docs:  http://$(HOST):$(PORT)/api/docs/   (ReDoc: /api/redoc/, schema: /api/schema/)"; \
	echo "  Admin:     http://$(HOST):$(PORT)/admin/      (user admin, password admin: local demo only)"; \
	echo "  Demo key (all scopes, made anew at each start): $$KEY"; \
	echo "  Try:       curl -H 'Authorization: Api-Key '$$KEY 'http://$(HOST):$(PORT)/api/bodies/?territory=commune:75056'"; \
	echo "  Analysis jobs (large territories) run in a background worker (log: .db_worker.log)."; \
	echo "  Webhooks are delivered by manage.py deliver_webhooks (log: .webhooks.log)."; \
	echo ""
	@$(DEV_ENV) $(BIN)/python manage.py db_worker --no-startup-delay >.db_worker.log 2>&1 & \
		WORKER=$$!; \
		$(DEV_ENV) $(BIN)/python manage.py deliver_webhooks >.webhooks.log 2>&1 & \
		WEBHOOKS=$$!; trap 'kill $$WORKER $$WEBHOOKS 2>/dev/null' EXIT INT TERM; \
		$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## prod: production under gunicorn (DEBUG off), configured by the environment only: needs
## DATABASE_URL (PostgreSQL), SECRET_KEY, ALLOWED_HOSTS and CACHE_URL (Redis); refuses to
## start on a `check --deploy` warning; migrates, collects the static files, then serves
## WORKERS (3) processes on $(HOST):$(PORT). See README.md, Operator: production.
PROD_ENV := DEBUG=false REGISTRY_ENV_FILE=
prod: install
	@test -n "$$DATABASE_URL" || { echo "make prod: set DATABASE_URL (postgres://user:password@host:5432/registry)"; exit 1; }
	@case "$$DATABASE_URL" in postgres://*|postgresql://*|pgsql://*) ;; *) echo "make prod: DATABASE_URL must name PostgreSQL"; exit 1;; esac
	@test -n "$$SECRET_KEY" || { echo "make prod: set SECRET_KEY (50+ random characters)"; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "make prod: set ALLOWED_HOSTS (the public host names, comma-separated)"; exit 1; }
	@case "$$CACHE_URL" in redis://*|rediss://*) ;; *) echo "make prod: set CACHE_URL to Redis (redis://host:6379/0)"; exit 1;; esac
	$(PROD_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(PROD_ENV) $(BIN)/python manage.py migrate --noinput
	$(PROD_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	exec env $(PROD_ENV) $(BIN)/gunicorn api.wsgi --bind $(HOST):$(PORT) --workers $${WORKERS:-3} \
		--timeout $${GUNICORN_TIMEOUT:-60} --graceful-timeout 30 --max-requests 2000 \
		--max-requests-jitter 200 --access-logfile - --error-logfile -

## test: the whole suite on SQLite, then on PostgreSQL when one is reachable
test: install
	$(BIN)/python tests/run.py

## lint: ruff, and the layering contracts of DESIGN.md (import-linter, [tool.importlinter] in pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: the on-demand benchmarks (tests/bench), printing their figures
bench: install
	@for b in tests/bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) registry.sqlite3 registry.sqlite3-* .pytest_cache .ruff_cache .import_linter_cache
