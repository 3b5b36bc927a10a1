# The README's two commands live here: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test bench lint-imports examples screenshots clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The demo opens the workbench on the bundled example S10 (two models, two datasets).
# `$(PY) -m modelgraft demo` runs the same example headless: check, then verified exports.
demo: $(STAMP)
	$(PY) -m modelgraft gui resources/examples/s10_two_datasets/project.mgraft

test: $(STAMP)
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# The README's screenshot, rendered by the app itself (works offscreen).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m modelgraft gui \
		resources/examples/s3_image_text/project.mgraft --screenshot docs/screenshots/workbench.png

examples: $(STAMP)
	$(PY) resources/make_examples.py

clean:
	rm -rf $(VENV) build dist bench/out
