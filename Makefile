# Doudi — one Makefile. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell sha256sum pyproject.toml | cut -c1-12)
# One stamp per install kind: the demo installs Doudi alone, the tests add the dev extras.
DEMO_STAMP := $(VENV)/.installed-demo-$(HASH)
DEV_STAMP  := $(VENV)/.installed-dev-$(HASH)
ADDR   ?= 127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help install demo test lint format typecheck pytest messages bench bench-throughput bench-queue bench-reports bench-roster bench-load bench-timers vendor clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	rm -f $(VENV)/.installed-demo-* && touch $(DEMO_STAMP)

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-dev-* && touch $(DEV_STAMP)

install: $(DEV_STAMP) ## Create .venv and install Doudi with its development tools

demo: $(DEMO_STAMP) ## Start the portal with demo data at http://127.0.0.1:8000 (SQLite, no services; ADDR=host:port)
	$(BIN)/python manage.py demo --addr $(ADDR)

test: install lint typecheck pytest ## Run the whole test suite: ruff, mypy, pytest (PostgreSQL)

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install ## mypy over the packages
	$(BIN)/mypy portal engine assistance storage studio audit public payments onewindow exchanges outbound api

# One pytest-xdist worker per core (WORKERS=0: all in this process), each with its own test
# database; worksteal moves queued tests to an idle worker, as a few browser tests take a minute.
WORKERS ?= auto
pytest: install ## pytest only, on every core (WORKERS=n to choose)
	$(BIN)/pytest -n $(WORKERS) --dist worksteal

messages: install ## Recompile the Chinese translations after editing the .po file
	cd portal && ../$(BIN)/python ../manage.py compilemessages

bench: install ## Benchmark (PostgreSQL): a dibao case through the runtime vs bare SpiffWorkflow, step by step
	$(BIN)/python bench/lifecycle.py

bench-throughput: install ## Benchmark (PostgreSQL): whole dibao cases per second in 1 and 2 worker processes
	$(BIN)/python bench/throughput.py --workers 1,2

bench-queue: install ## Benchmark (PostgreSQL): queue page with 10k and 1M open tasks
	$(BIN)/python bench/queue.py

bench-reports: install ## Benchmark (PostgreSQL): the abuse reports on 1M cases (CASES=n)
	$(BIN)/python bench/reports.py --cases $(or $(CASES),1000000)

bench-roster: install ## Benchmark (PostgreSQL): building a county's payment roster for 1M active cases (CASES=n)
	$(BIN)/python bench/roster.py --cases $(or $(CASES),1000000)

bench-load: install ## Load test (PostgreSQL, gunicorn): 50 people of mixed roles, p95 per page kind (USERS=n)
	$(BIN)/python bench/load.py --users $(or $(USERS),50)

bench-timers: install ## Benchmark (PostgreSQL, Redis): 100k due timers drained by 1, 2 and 4 Celery worker processes (TIMERS=n)
	$(BIN)/python bench/timers.py --timers $(or $(TIMERS),100000)

# npm packages, pinned by package-lock.json; the copies under portal/, studio/ and
# audit/static/vendor/ (Apache ECharts draws the auditors' charts), and the studio's bundles
# (studio/frontend/ built by esbuild into studio/static/studio/*.bundle.js) are committed so that `make demo` needs neither node nor npm.
VENDOR_BPMN := portal/static/vendor/bpmn-js
BPMN_DIST   := node_modules/bpmn-js/dist
STUDIO_VENDOR := studio/static/vendor
DMN_DIST    := node_modules/dmn-js/dist
VENDOR_ECHARTS := audit/static/vendor/echarts

vendor: ## Rebuild portal/, studio/ and audit/static/vendor/ and the studio's editor bundles from package-lock.json with npm ci (commit the result)
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR_BPMN) && mkdir -p $(VENDOR_BPMN)
	cp $(BPMN_DIST)/bpmn-navigated-viewer.production.min.js $(VENDOR_BPMN)/
	cp $(BPMN_DIST)/assets/diagram-js.css $(BPMN_DIST)/assets/bpmn-js.css $(VENDOR_BPMN)/
	cp node_modules/bpmn-js/LICENSE $(VENDOR_BPMN)/LICENSE
	node -p "require('bpmn-js/package.json').version" > $(VENDOR_BPMN)/VERSION
	rm -rf $(STUDIO_VENDOR) && mkdir -p $(STUDIO_VENDOR)/bpmn-js-modeler $(STUDIO_VENDOR)/dmn-js $(STUDIO_VENDOR)/properties-panel
	cp $(BPMN_DIST)/bpmn-modeler.production.min.js $(STUDIO_VENDOR)/bpmn-js-modeler/
	cp $(BPMN_DIST)/assets/diagram-js.css $(BPMN_DIST)/assets/bpmn-js.css $(STUDIO_VENDOR)/bpmn-js-modeler/
	cp -r $(BPMN_DIST)/assets/bpmn-font $(STUDIO_VENDOR)/bpmn-js-modeler/
	rm $(STUDIO_VENDOR)/bpmn-js-modeler/bpmn-font/css/bpmn-embedded.css
	cp node_modules/bpmn-js/LICENSE $(STUDIO_VENDOR)/bpmn-js-modeler/LICENSE
	node -p "require('bpmn-js/package.json').version" > $(STUDIO_VENDOR)/bpmn-js-modeler/VERSION
	cp $(DMN_DIST)/dmn-modeler.production.min.js $(STUDIO_VENDOR)/dmn-js/
	cp $(DMN_DIST)/assets/*.css $(STUDIO_VENDOR)/dmn-js/
	cp -r $(DMN_DIST)/assets/dmn-font $(STUDIO_VENDOR)/dmn-js/
	rm $(STUDIO_VENDOR)/dmn-js/dmn-font/css/dmn-embedded.css
	cp node_modules/dmn-js/LICENSE $(STUDIO_VENDOR)/dmn-js/LICENSE
	node -p "require('dmn-js/package.json').version" > $(STUDIO_VENDOR)/dmn-js/VERSION
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css $(STUDIO_VENDOR)/properties-panel/
	cp node_modules/@bpmn-io/properties-panel/LICENSE $(STUDIO_VENDOR)/properties-panel/LICENSE
	node -p "require('@bpmn-io/properties-panel/package.json').version" > $(STUDIO_VENDOR)/properties-panel/VERSION
	rm -rf $(VENDOR_ECHARTS) && mkdir -p $(VENDOR_ECHARTS)
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR_ECHARTS)/
	cp node_modules/echarts/LICENSE node_modules/echarts/NOTICE $(VENDOR_ECHARTS)/
	cp node_modules/echarts/licenses/LICENSE-d3 $(VENDOR_ECHARTS)/LICENSE-d3
	cp node_modules/zrender/LICENSE $(VENDOR_ECHARTS)/LICENSE-zrender
	node -p "require('echarts/package.json').version" > $(VENDOR_ECHARTS)/VERSION
	node studio/frontend/build.mjs

clean: ## Remove the virtualenv and the embedded database
	rm -rf $(VENV) var
