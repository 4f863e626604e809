# reviewbot: every target creates/uses .venv; nothing is installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= demo.db
APT := DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@command -v git >/dev/null || { $(APT) update && $(APT) install -y git; }
	@$(PY) -m venv $(VENV) 2>/dev/null || { $(APT) update && $(APT) install -y python3-venv && $(PY) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/reviewbot import-mbox --db $(DEMO_DB) data/2016-October.txt.gz data/2023-July.txt.gz data/2023-August.txt.gz
	$(BIN)/reviewbot series list --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check reviewbot tests bench migrations
	$(BIN)/ruff format --check reviewbot tests bench migrations
	$(BIN)/mypy reviewbot

bench: $(STAMP)
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_scrape.py
	$(BIN)/python bench/bench_apply.py
	$(BIN)/python bench/bench_link.py
	@command -v wrk >/dev/null || $(APT) install -y wrk || { $(APT) update && $(APT) install -y wrk; } \
		|| echo "no wrk: bench_api.py falls back to its asyncio load generator"
	$(BIN)/python bench/bench_api.py

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache .mypy_cache .ruff_cache
