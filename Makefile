# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing
# and install the project into it, so a fresh clone on a fresh machine needs nothing by hand.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.devoplan-installed
SOURCE  ?= ../shared/data

.PHONY: demo test lint typecheck unit browser web bundle bench screenshot clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP) web
	$(BIN)/devoplan demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

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

# The workspace's browser libraries, from the npm registry, each pinned by version and by the SHA-256
# of its package, unpacked into the web app's static folder (not committed; never a CDN at run time):
# MapLibre GL JS draws the map, Swagger UI renders the API docs at /docs. npm comes from Debian when
# missing. `devoplan serve` works without them (tables, hex map; /docs says how to get Swagger UI).
MAPLIBRE          := 5.24.1
MAPLIBRE_SHA256   := b84d7fdf7fba5922fd3fff9a92733936c7a03b99165afc6c84f41c311bdbfa9d
SWAGGER_UI        := 5.35.0
SWAGGER_UI_SHA256 := 1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6
VENDOR            := src/devoplan/web/static/vendor
VENDOR_STAMP      := $(VENDOR)/.maplibre-$(MAPLIBRE)-swagger-ui-$(SWAGGER_UI)

# $(call npm-vendor,PACKAGE,VERSION,SHA256,FILES,LEGAL,PREFIX): npm pack PACKAGE@VERSION, check the
# tarball's SHA-256, copy FILES (paths in the package) flat into $(VENDOR) and LEGAL as PREFIX<name>.
define npm-vendor
@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
  (cd "$$tmp" && npm pack --silent $(1)@$(2) >/dev/null && \
   echo "$(3)  $(1)-$(2).tgz" | sha256sum -c --quiet && \
   tar xzf $(1)-$(2).tgz $(addprefix package/,$(4) $(5))) && \
  cp $(addprefix "$$tmp"/package/,$(4)) $(VENDOR)/ && \
  for f in $(5); do cp "$$tmp/package/$$f" "$(VENDOR)/$(6)$$f"; done
@echo "web: $(1) $(2) unpacked into $(VENDOR)"
endef

web: $(VENDOR_STAMP)

$(VENDOR_STAMP):
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	$(call npm-vendor,maplibre-gl,$(MAPLIBRE),$(MAPLIBRE_SHA256),dist/maplibre-gl.js dist/maplibre-gl.css,LICENSE.txt,MAPLIBRE-)
	$(call npm-vendor,swagger-ui-dist,$(SWAGGER_UI),$(SWAGGER_UI_SHA256),swagger-ui-bundle.js swagger-ui.css favicon-32x32.png,LICENSE NOTICE,SWAGGER-UI-)
	@touch $@

# Rebuild the committed England bundle from the official source files (not committed).
bundle: $(STAMP)
	$(BIN)/devoplan data build --source $(SOURCE)
	$(BIN)/devoplan data outcomes --source $(SOURCE)

# Benchmarks need the optional comparison libraries (GerryChain, spopt).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

# Re-make the README's report screenshot (docs/img/report.png) from out/report.html (run `make demo` first).
screenshot: $(STAMP) browser
	$(BIN)/python scripts/report_screenshot.py --report out/report.html --out docs/img/report.png

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache $(VENDOR)
