# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	UV_COMPILE_BYTECODE=1 $(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev,airflow]'
	# numba's kernels compiled into its on-disk cache now (about 50 s, once), not inside the first plan's time limit
	$(BIN)/python -m engine.wave.warm
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/pickwave demo

test: $(STAMP)
	$(BIN)/ruff check engine dags tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) waves pickwave.db
