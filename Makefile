# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing
# and install the project into it, so a fresh clone on a fresh machine needs nothing by hand.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.devoplan-installed
SOURCE  ?= ../shared/data

.PHONY: demo test lint typecheck unit bundle bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/devoplan demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# Rebuild the committed England bundle from the official source files (not committed).
bundle: $(STAMP)
	$(BIN)/devoplan data build --source $(SOURCE)

# Benchmarks need the optional comparison libraries (GerryChain, spopt).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
