# The README's two commands live here: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test bench lint-imports examples screenshots docs package clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The demo opens the workbench on a fresh copy of example S10 (two models, two datasets, data
# bound): F5 trains it, and its runs go to build/demo, not into resources/examples.
# `$(PY) -m modelgraft demo` runs the same example headless: check, then verified exports.
demo: $(STAMP)
	rm -rf build/demo && mkdir -p build && cp -R resources/examples/s10_two_datasets build/demo
	$(PY) -m modelgraft gui build/demo/project.mgraft

test: $(STAMP)
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# The README's screenshot and the guide's (docs/screenshots/guide-*.png), rendered by the app
# itself (works offscreen; the guide's take about half a minute: they train and export).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m modelgraft gui \
		resources/examples/s3_image_text/project.mgraft --screenshot docs/screenshots/workbench.png
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) docs/make_guide_screenshots.py

# The reference pages generated from the code: docs/cli.md and the node tables in docs/nodes/.
docs: $(STAMP)
	$(PY) docs/make_docs.py

examples: $(STAMP)
	$(PY) resources/make_examples.py

# A one-folder bundle with Python, TensorFlow and Qt inside: dist/modelgraft/modelgraft (packaging/README.md).
package: $(STAMP)
	$(PY) -m pip install -q 'pyinstaller>=6.11' 'pyinstaller-hooks-contrib>=2025.1'
	$(PY) -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/modelgraft.spec

clean:
	rm -rf $(VENV) build dist bench/out
