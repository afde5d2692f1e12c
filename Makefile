# Set-up is part of every target: the venv is created (or reused) and simlab installed into it.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: reproduce test bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

reproduce: $(VENV)/.installed
	$(VENV)/bin/simlab reproduce --quick

test: $(VENV)/.installed
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) bench/engine.py
