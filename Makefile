# Both public targets bootstrap .venv from nothing. torch is installed first, pinned,
# because an unpinned torch requirement pulls the multi-GB CUDA build.
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[nli,agents,calibrate,dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: install
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE-1} $(PY) -m langchain_semantix demo

test: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

lint: install
	$(PY) -m ruff check langchain_semantix tests graphs bench
	$(PY) -m mypy langchain_semantix

bench: install
	$(PY) -m pip install -q semantix-ai==0.3.3
	$(PY) bench/bench_judge.py
	$(PY) bench/bench_subgraph.py
	$(PY) bench/bench_collector.py
	$(PY) bench/bench_export.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache .mypy_cache .ruff_cache
