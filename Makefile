# The two set-up commands (see README.md): `make serve` and `make test`.
# Both create the virtual environment and install what they need; both are safe to run twice.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Local development only: a throwaway secret and debug pages. Production sets its own.
DEV_ENV := DEBUG=true

.PHONY: serve test install lint format schema bench clean

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
	echo "  API docs:  http://$(HOST):$(PORT)/api/docs/   (ReDoc: /api/redoc/, schema: /api/schema/)"; \
	echo "  Admin:     http://$(HOST):$(PORT)/admin/      (user admin, password admin: local demo only)"; \
	echo "  Demo key (all scopes, made anew at each start): $$KEY"; \
	echo "  Try:       curl -H 'Authorization: Api-Key '$$KEY 'http://$(HOST):$(PORT)/api/bodies/?territory=commune:75056'"; \
	echo ""
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite on SQLite, then on PostgreSQL when one is reachable
test: install
	$(BIN)/python tests/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: the on-demand benchmarks (tests/bench), printing their figures
bench: install
	@for b in tests/bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) registry.sqlite3 registry.sqlite3-* .pytest_cache .ruff_cache
