# The two commands of the README: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Tests, lint and browser tools: `make test` and `make lint` add them; `make run` never installs them.
DEV_INSTALLED := $(VENV)/.installed-dev

# Tests use the real PostgreSQL and Redis on this machine unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/nanoweb
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint venv clean

venv: $(INSTALLED)

$(INSTALLED): requirements.txt
	@test -x $(BIN)/python || echo "First start: NanoWeb installs what it runs on (PyTorch among it) into $(VENV). This takes a few minutes and several GB of disk (about 6 GB); later starts skip it."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $(INSTALLED)

$(DEV_INSTALLED): $(INSTALLED) requirements-dev.txt
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $(DEV_INSTALLED)

run: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py runall

test: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	rm -rf var/test
	DATABASE_URL=$(TEST_DATABASE_URL) NANOWEB_TEST_REDIS_URL=$(TEST_REDIS_URL) NANOWEB_DATA_DIR=$(CURDIR)/var/test \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var/test test-artifacts
