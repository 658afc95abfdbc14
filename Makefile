# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing
# and install the project into it, so a fresh clone on a fresh machine needs nothing by hand.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.devoplan-installed
SOURCE  ?= ../shared/data

.PHONY: demo test lint typecheck unit browser web bundle bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP) web
	$(BIN)/devoplan demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser web
	DEVOPLAN_CI=1 $(BIN)/pytest -q

# The report test opens report.html in headless Chromium. Install Debian's package when we can
# (root with apt); otherwise that one test skips and says why. Never fails the build by itself.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium not installed; the browser test will be skipped"; }

# The workspace's map library: MapLibre GL JS from the npm registry, pinned by version and by the
# SHA-256 of its package, unpacked into the web app's static folder (not committed; never a CDN at
# run time). npm comes from Debian when missing. `devoplan serve` works without it (tables, hex map).
MAPLIBRE        := 5.24.1
MAPLIBRE_SHA256 := b84d7fdf7fba5922fd3fff9a92733936c7a03b99165afc6c84f41c311bdbfa9d
VENDOR          := src/devoplan/web/static/vendor
VENDOR_STAMP    := $(VENDOR)/.maplibre-$(MAPLIBRE)

web: $(VENDOR_STAMP)

$(VENDOR_STAMP):
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  (cd "$$tmp" && npm pack --silent maplibre-gl@$(MAPLIBRE) >/dev/null && \
	   echo "$(MAPLIBRE_SHA256)  maplibre-gl-$(MAPLIBRE).tgz" | sha256sum -c --quiet && \
	   tar xzf maplibre-gl-$(MAPLIBRE).tgz package/dist/maplibre-gl.js package/dist/maplibre-gl.css \
	     package/LICENSE.txt) && \
	  cp "$$tmp/package/dist/maplibre-gl.js" "$$tmp/package/dist/maplibre-gl.css" $(VENDOR)/ && \
	  cp "$$tmp/package/LICENSE.txt" $(VENDOR)/MAPLIBRE-LICENSE.txt && touch $@
	@echo "web: MapLibre GL JS $(MAPLIBRE) unpacked into $(VENDOR)"

# Rebuild the committed England bundle from the official source files (not committed).
bundle: $(STAMP)
	$(BIN)/devoplan data build --source $(SOURCE)
	$(BIN)/devoplan data outcomes --source $(SOURCE)

# Benchmarks need the optional comparison libraries (GerryChain, spopt).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache $(VENDOR)
