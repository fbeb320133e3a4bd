# Two commands on a fresh machine with Python 3.11:
#   make demo   set up .venv/ and run the main job (albert-tf demo)
#   make test   set up .venv/ (with the test extras) and run the test suite
# The virtual environment is rebuilt only when the pinned requirements change,
# so a second run starts in seconds.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_PINS := requirements/runtime.txt setup.py
TEST_PINS := requirements/test.txt
PYTEST_ARGS ?=
# Two pytest workers (pytest-xdist): the suite is half Python start-up and tracing, which
# one worker leaves a core idle for. --dist loadfile keeps each test file on one worker,
# so the tests of a file that share state (the READMEs' workspace in test_docs.py, the
# blocks test_readme.py has already run) see it. (xdist_group marks are ignored by
# pytest-xdist 3.8 under pytest 9.) TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2

.PHONY: demo test bench venv venv-test clean-venv help

help:
	@echo "make demo   set up .venv/ and run albert-tf demo"
	@echo "make test   set up .venv/ with test extras and run pytest"
	@echo "make bench  add the peers (.[bench]) to .venv/, run the speed benchmarks, rewrite docs/BENCHMARKS.md"

venv:
	@set -e; hash=$$(cat $(RUNTIME_PINS) | sha256sum | cut -c1-16); \
	if [ -f $(VENV)/.pins-runtime ] && [ "$$(cat $(VENV)/.pins-runtime)" = "$$hash" ]; then \
	  echo "[setup] .venv/ is up to date with requirements/runtime.txt"; \
	else \
	  $(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "albert-tf needs Python 3.11, found " + sys.version.split()[0]'; \
	  echo "[setup] creating .venv/ and installing the pinned stack (a few minutes, once)"; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	  $(BIN)/pip install --disable-pip-version-check -q -r requirements/runtime.txt; \
	  $(BIN)/pip install --disable-pip-version-check -q --no-deps -e .; \
	  echo "$$hash" > $(VENV)/.pins-runtime; \
	fi

venv-test: venv
	@set -e; hash=$$(cat $(TEST_PINS) | sha256sum | cut -c1-16); \
	if [ -f $(VENV)/.pins-test ] && [ "$$(cat $(VENV)/.pins-test)" = "$$hash" ]; then \
	  echo "[setup] .venv/ is up to date with requirements/test.txt"; \
	else \
	  echo "[setup] installing the test extras (pytest, jax, torch CPU)"; \
	  $(BIN)/pip install --disable-pip-version-check -q -r requirements/test.txt; \
	  echo "$$hash" > $(VENV)/.pins-test; \
	fi

demo: venv
	$(BIN)/albert-tf demo

test: venv-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The speed benchmarks against the peers (about 20 minutes on 2 cores); each script
# rewrites its own section of docs/BENCHMARKS.md.
bench: venv
	$(BIN)/pip install --disable-pip-version-check -q -r requirements/bench.txt
	$(BIN)/python bench/inference.py
	$(BIN)/python bench/training.py
	$(BIN)/python bench/profile_forward.py

clean-venv:
	rm -rf $(VENV)
