# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing
# and install the project into it, so a fresh clone on a fresh machine needs nothing by hand.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.devoplan-installed
SOURCE  ?= ../shared/data

.PHONY: demo test lint typecheck unit browser bundle bench clean

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

unit: $(STAMP) browser
	DEVOPLAN_CI=1 $(BIN)/pytest -q

# The report test opens report.html in headless Chromium. Install Debian's package when we can
# (root with apt); otherwise that one test skips and says why. Never fails the build by itself.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium not installed; the browser test will be skipped"; }

# Rebuild the committed England bundle from the official source files (not committed).
bundle: $(STAMP)
	$(BIN)/devoplan data build --source $(SOURCE)
	$(BIN)/devoplan data outcomes --source $(SOURCE)

# Benchmarks need the optional comparison libraries (GerryChain, spopt).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
