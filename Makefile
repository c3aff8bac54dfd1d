# One-line targets; `make help` lists them.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: help demo test lint bench structure clean
help:            ## list the targets
	@grep -E '^[a-z]+:.*## ' Makefile | sed 's/:.*## /\t/'
$(PY):
	python3 -m venv $(VENV)
demo: $(PY)      ## install and run the main job: validate, list queries, answer one
	$(PY) -m pip install -q . && $(VENV)/bin/trilat-kg validate && $(VENV)/bin/trilat-kg queries && $(VENV)/bin/trilat-kg query state-identifier-crosswalk
test: $(PY)      ## install with test extras and run the tests
	$(PY) -m pip install -q -e ".[test]" && $(VENV)/bin/pytest -q
lint: $(PY)      ## ruff
	$(VENV)/bin/ruff check src tests bench tools
bench: $(PY)     ## print the speed figures
	$(PY) bench/run.py
clean:           ## remove build output
	rm -rf dist build bench/out .pytest_cache .ruff_cache
