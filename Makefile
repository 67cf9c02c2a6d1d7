# One venv, made on first use; every target installs what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

# serve: the bundled run (make run's extractor.db) in the browser at http://127.0.0.1:8080/
.PHONY: install run serve test lint bench eval gate baseline eval-html schema layouts synth clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m compileall -q extractor  # bytecode now: an environment with PYTHONDONTWRITEBYTECODE would compile every start
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/extractor run gold/seed/reports gold/dev/reports --out out

serve: run
	$(BIN)/extractor serve

test: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/storage.py --n 10000

synth: install
	$(PY) eval/synth.py out/synth --n 300 --seed 1
	$(BIN)/extractor eval --gold out/synth

lint: install
	$(BIN)/ruff check extractor tests eval benchmarks

eval: install
	$(BIN)/extractor eval

gate: install
	$(BIN)/extractor eval gate

baseline: install
	$(BIN)/extractor eval update-baseline

eval-html: install
	mkdir -p out
	$(BIN)/extractor eval --html out/eval.html > /dev/null
	$(PY) eval/check_html.py out/eval.html --screenshot out/eval.png

layouts: install
	$(PY) eval/layouts.py --n 100
	$(PY) eval/layouts_table2.py --n 100

schema: install
	$(BIN)/extractor schema

clean:
	rm -rf out .pytest_cache
