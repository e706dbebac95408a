# autograd-lr: the README's two commands are `make demo` and `make test`.
# Both build .venv on first use (with every extra), so a fresh clone needs nothing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-packages dist demo test quick lint typecheck unit notebooks docs docs-test lab bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e ".[all]"
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
	$(BIN)/ruff check src tests benchmarks tools notebooks docs
	$(BIN)/ruff format --check src tests benchmarks tools notebooks docs
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) system-packages
	$(BIN)/pytest -n 2 --dist loadgroup

# The notebooks run once, in `unit` (tests/test_notebooks.py), and the docs' browser test
# (tests/test_docs.py) renders those runs. Then the checkout must be as it was: every file
# a run writes is ignored by git (the recipe compares `git status` before and after).
test:
	@mkdir -p out && { git status --porcelain --untracked-files=all 2>/dev/null || true; } > out/git-status.before
	$(MAKE) lint typecheck unit
	@{ git status --porcelain --untracked-files=all 2>/dev/null || true; } | diff -u out/git-status.before - \
		|| { echo "make test changed the checkout (above): a run may write only ignored files" >&2; exit 1; }

# The quick loop while working: everything but the tests marked slow (under a minute).
quick: $(STAMP)
	$(BIN)/pytest -n 2 -m "not slow" -q

# Run every notebooks/[0-9]*.py whose source or package code changed; the executed copies
# and their figures go to docs/notebooks/ (gitignored), never beside the sources.
notebooks: $(STAMP)
	$(BIN)/python tools/notebook_runner.py

# The site, offline, into docs/_build/html: the notebooks' runs, the API reference from the
# docstrings, MathJax served from _static; warnings are errors, every reference must resolve.
docs: $(STAMP)
	$(BIN)/python tools/docs_site.py

# The built site in headless Chromium: math typeset, figures loaded, no console errors,
# every internal link resolves; screenshots in out/. (`make unit` runs it too.)
docs-test: $(STAMP) system-packages
	$(BIN)/pytest -p no:xdist tests/test_docs.py

# JupyterLab on notebooks/, its file browser opened on the learner's folder notebooks/mine/:
# creates the learner's notebooks that are missing (never overwrites one), then starts the
# server. The solved exercises are hidden from its file browser (hide_globs: Jupyter's
# defaults plus *_solved.*). LAB_ARGS: extra arguments for `jupyter lab` (as root, as on
# a fresh container, JupyterLab needs --allow-root to start at all).
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_HIDE := __pycache__ '*.pyc' '*.pyo' .DS_Store '*~' '*_solved.*'
lab: $(STAMP)
	$(BIN)/python tools/notebook_runner.py --lab
	$(BIN)/jupyter lab --notebook-dir=notebooks --ContentsManager.preferred_dir=mine \
	  $(foreach glob,$(LAB_HIDE),--ContentsManager.hide_globs=$(glob)) $(LAB_ARGS)

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
	$(BIN)/python -m benchmarks.grader_bench
	$(BIN)/python -m benchmarks.checker_bench --json out/checker_bench.json
	$(BIN)/python -m benchmarks.repair_bench --json out/repair_bench.json

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis docs/_build docs/notebooks docs/api/generated

# An sdist and a wheel in dist/ (gitignored), built in an isolated environment by uv:
# the wheel is what `pip install` takes on a grading machine (docs/grading.md).
dist:
	rm -rf dist
	$(or $(wildcard $(BIN)/uv),uv) build --out-dir dist
