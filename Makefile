# autograd-lr: the README's two commands are `make demo` and `make test`.
# Both build .venv on first use (with every extra), so a fresh clone needs nothing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-packages demo test lint typecheck unit notebooks bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autograd-lr verify
	$(BIN)/autograd-lr train --dataset breast-cancer --out out/breast-cancer
	$(BIN)/autograd-lr predict --model out/breast-cancer out/breast-cancer/test.csv
	$(BIN)/autograd-lr train --dataset two-feature --out out/two-feature

# bubblewrap and chromium for the grader's sandbox and the docs' browser test (root + apt),
# or a message naming what to install.
system-packages:
	tools/system-packages

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/ruff format --check src tests benchmarks notebooks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) system-packages
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck unit

# Run every notebooks/[0-9]*.py (refreshing notebooks/figures/) and write the executed
# .ipynb next to each for Jupyter; `make test` runs the same notebooks without the .ipynb.
notebooks: $(STAMP)
	$(BIN)/python tests/notebook_runner.py --write-ipynb

# The gradient against its peers and the memory floor (rewrites benchmarks/RESULTS.md),
# then the Dask row: 8e6 × 100 (6.4 GB) written to zarr under out/, timed, deleted.
# torch is a peer: its CPU build is installed first when missing (pinned with +cpu, so
# pip takes the CPU wheel or fails, and never downloads the CUDA one).
TORCH_CPU := torch==2.13.0+cpu
bench: $(STAMP)
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install "$(TORCH_CPU)" \
	  || { echo "make bench: could not install $(TORCH_CPU); install torch's CPU build into $(VENV) by hand"; exit 1; }
	$(BIN)/python -m benchmarks.run
	mkdir -p out
	$(BIN)/python -m benchmarks.dask_bench --dir out --json out/dask_bench.json

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
