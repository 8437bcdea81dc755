# Everything installs into a local virtual environment, .venv: a fresh machine needs only Python 3.10+ and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  := $(VENV)/.installed-torch
DIGITS := $(VENV)/.installed-digits
JSDEPS := node_modules/.installed
LAB    := $(VENV)/.installed-lab

.PHONY: demo test check lint typecheck typecheck-js pytest bench notebooks lab docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) $(DIGITS)  ## the main job: train an MLP on moons, write the model, history and pictures to runs/moons
	$(BIN)/glassgrad train

test: lint typecheck typecheck-js pytest  ## ruff, mypy, tsc on the front end and the whole pytest suite

check: lint typecheck typecheck-js $(DIGITS)  ## ruff, mypy, tsc and the tests not marked slow (under a minute; make test runs all)
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP) $(TORCH)  # torch: nn.torch_bridge is type-checked against it
	$(BIN)/mypy

# the TypeScript checker, pinned in package-lock.json (Node.js and npm needed; nothing is built)
$(JSDEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(JSDEPS)

typecheck-js: $(JSDEPS)  ## the front end's JavaScript (JSDoc types) through the TypeScript checker, tsconfig.json
	npx tsc --noEmit -p .

$(TORCH): $(STAMP)  ## the tests cross-check against PyTorch (float64, CPU)
	$(BIN)/python -m pip install --quiet -e '.[dev,torch]'
	touch $(TORCH)

$(DIGITS): $(STAMP)  ## scikit-learn, which ships the 8×8 digits (nn.data.load_digits, glassgrad train --dataset digits)
	$(BIN)/python -m pip install --quiet -e '.[dev,digits]'
	touch $(DIGITS)

pytest: $(STAMP) $(TORCH) $(DIGITS)
	$(BIN)/pytest

bench: $(STAMP) $(TORCH) $(DIGITS)  ## glassgrad beside micrograd, a pure-Python floor and PyTorch; the digits
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_engine.py

notebooks: $(STAMP)  ## re-execute every notebook in place (committed with their outputs)
	$(BIN)/python scripts/execute_notebooks.py

$(LAB): $(STAMP)  ## JupyterLab in .venv, beside the dev extra's ipykernel, and the widget (anywidget)
	$(BIN)/python -m pip install --quiet -e '.[dev,lab,widget]'
	touch $(LAB)

# every extra a notebook imports: the digits (09), PyTorch's CPU build (04), the widget (08)
# as root (containers, this project's machines) Jupyter refuses to start without --allow-root
lab: $(STAMP) $(LAB) $(DIGITS) $(TORCH)  ## open notebooks/ in JupyterLab; the python3 kernel is .venv's, so `import engine` works
	$(BIN)/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

docs: $(STAMP)  ## regenerate the pictures the README shows (docs/)
	$(BIN)/python scripts/make_docs_pictures.py

clean:
	rm -rf $(VENV) node_modules build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
