# The two commands of the quick start: `make serve` and `make test`. Both create the virtualenv when missing.
PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: serve test lint format key schema bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON3) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11+ is required" && exit 1)
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

serve: $(VENV)/.installed
	$(PY) manage.py serve

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

key: $(VENV)/.installed
	$(PY) manage.py bootstrap

schema: $(VENV)/.installed
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

bench: $(VENV)/.installed
	$(PY) bench/api.py

clean:
	rm -rf $(VENV) .data
