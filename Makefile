# Two commands do everything on a fresh machine with only python3:
#   make demo   – set up .venv, build the demo data and store, run the main job
#   make test   – set up .venv with the test extras, run the checks (ruff, mypy,
#                 import contracts) and the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
BSTAMP := $(VENV)/.installed-bench

.PHONY: demo test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/assess demo --out data/demo --size province --seed 2026 --overwrite
	$(BIN)/assess run data/demo --store data/assess.duckdb --quarter 2026Q3 --reports reports --overwrite --replace

test: check
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The tools that bind: lint, one format, types, and the layer contracts of pyproject.toml.
check: $(TSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The benchmarks compare against pyfixest: the `bench` extra, installed only here.
$(BSTAMP): pyproject.toml $(TSTAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

bench: $(BSTAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) data/demo data/assess.duckdb reports/*
