# reviewbot: every target creates/uses .venv; nothing is installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LINT_STAMP := $(VENV)/.installed-lint
DEMO_DB ?= demo.db
APT := DEBIAN_FRONTEND=noninteractive apt-get

# PostgreSQL server binaries for the tests' throw-away cluster (tests/pgcluster.py)
PG_BIN = $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))

.PHONY: demo test lint bench clean postgresql

VENV_PY := $(BIN)/python

# a venv without pip, given a current pip by the system's (2 s), where the system's pip
# can install into another environment (--python, pip 22.3+); else venv's own bundled
# pip, upgraded (5 s: ensurepip installs the old one first)
$(VENV_PY):
	@command -v git >/dev/null || { $(APT) update && $(APT) install -y git; }
	@{ $(PY) -m venv --without-pip $(VENV) && $(PY) -m pip --python $(VENV_PY) install --quiet --upgrade pip; } 2>/dev/null \
		|| { rm -rf $(VENV); $(PY) -m venv $(VENV) 2>/dev/null \
			|| { $(APT) update && $(APT) install -y python3-venv && $(PY) -m venv $(VENV); }; \
			$(BIN)/pip install --quiet --upgrade pip; }

# --no-compile: pip would compile every installed module (7 of 27 s on a fresh clone);
# Python compiles on first import what a run needs
$(STAMP): pyproject.toml | $(VENV_PY)
	$(BIN)/pip install --quiet --no-compile -e .
	touch $(STAMP)

# test tools (pytest, Playwright's driver) and lint tools (ruff, mypy, import-linter)
# only for the targets that use them: `make demo` and `make test` on a fresh clone stay
# quick. One pip run installs the package and the tools together (two runs took 27 s
# on a fresh clone, one takes about 18 s)
$(TEST_STAMP): pyproject.toml | $(VENV_PY)
	$(BIN)/pip install --quiet --no-compile -e '.[test]'
	touch $(STAMP) $(TEST_STAMP)

$(LINT_STAMP): pyproject.toml | $(VENV_PY)
	$(BIN)/pip install --quiet --no-compile -e '.[test,lint]'
	touch $(STAMP) $(TEST_STAMP) $(LINT_STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/reviewbot demo --db $(DEMO_DB)

# the browser tests drive Debian's chromium (Playwright's own download does not work here)
/usr/bin/chromium:
	$(APT) update && $(APT) install -y chromium

# the suite runs every database test on SQLite and on a PostgreSQL cluster that
# the session fixture starts and always stops; REVIEWBOT_REQUIRE_PG turns
# "no server" into failures instead of skips
# one test process per core: back to back on 2 cores, 2 workers took 173 s and 3
# took 191 s (a third only adds contention once the tests keep the cores busy)
TEST_WORKERS ?= $(shell nproc)
# bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# every CLI run, pool worker and test worker of the suite would compile the same
# modules again

test: $(TEST_STAMP) /usr/bin/chromium postgresql
	PYTHONDONTWRITEBYTECODE= REVIEWBOT_REQUIRE_PG=1 $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal

postgresql:
	@test -n "$(PG_BIN)" || { $(APT) update && $(APT) install -y postgresql; }

# ruff (PLC0415 included: no late imports), the layer contracts of pyproject.toml, mypy
lint: $(LINT_STAMP)
	$(BIN)/ruff check reviewbot tests bench migrations
	$(BIN)/ruff format --check reviewbot tests bench migrations
	$(BIN)/lint-imports
	$(BIN)/mypy reviewbot

# b4 for the side-by-side run only (bench/bench_b4.py): its own venv, never a dependency
B4_VENV := bench/out/b4-venv
B4_STAMP := $(B4_VENV)/.installed-b4
# offline, the install fails and bench_b4.py says it skipped the comparison
$(B4_STAMP):
	$(PY) -m venv $(B4_VENV)
	$(B4_VENV)/bin/pip install --quiet b4==0.16.0 && touch $(B4_STAMP) \
		|| echo "b4 0.16.0 could not be installed: the side-by-side run is skipped"

BENCHES := import scrape hyperkitty bounds apply upstream link jobs startup ui api pg store b4
BENCH_FAILED := bench/out/failed

# every benchmark runs even when one fails; the summary marks figures an earlier run
# left (bench/out/.started), and the target fails at the end naming the ones that did
bench: $(TEST_STAMP) postgresql $(B4_STAMP)
	@command -v wrk >/dev/null || $(APT) install -y wrk || { $(APT) update && $(APT) install -y wrk; } \
		|| echo "no wrk: bench_api.py falls back to its asyncio load generator"
	@mkdir -p bench/out && rm -f $(BENCH_FAILED) && touch bench/out/.started
	@for b in $(BENCHES); do \
		echo "== bench/bench_$$b.py"; \
		$(BIN)/python bench/bench_$$b.py || echo "bench_$$b.py" >> $(BENCH_FAILED); \
	done
	$(BIN)/python bench/summary.py
	@if [ -s $(BENCH_FAILED) ]; then echo "failed: $$(tr '\n' ' ' < $(BENCH_FAILED))"; exit 1; fi

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache .mypy_cache .ruff_cache
