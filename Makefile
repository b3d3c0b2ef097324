# QuantDesk: every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export QT_QPA_PLATFORM ?= offscreen

.PHONY: run demo test lint bench screenshots snapshot clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Opens the app; with no Ollama reachable it offers the built-in simulated daemon.
run: $(STAMP)
	QT_QPA_PLATFORM= $(PY) -m quantdesk gui

# The app against the simulated daemon, no Ollama needed.
demo: $(STAMP)
	QT_QPA_PLATFORM= $(PY) -m quantdesk gui --demo

test: $(STAMP)
	$(VENV)/bin/ruff check desktop tests bench
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check desktop tests bench
	$(VENV)/bin/ruff format --check desktop tests bench

bench: $(STAMP)
	$(PY) -m bench

screenshots: $(STAMP)
	$(PY) -m quantdesk gui --demo --screenshots docs/screenshots

# Maintainers: the library snapshot (offline planning) refreshed from the live registry.
snapshot: $(STAMP)
	$(PY) -m quantdesk.core.registry.snapshot_refresh

clean:
	rm -rf $(VENV) build dist *.egg-info desktop/*.egg-info

# --- Packaging: wheel and PyInstaller bundle (packaging/) ---
.PHONY: wheel bundle

BUNDLE_STAMP := $(VENV)/.bundle-installed

$(BUNDLE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bundle]'
	touch $(BUNDLE_STAMP)

# dist/quantdesk-<version>-py3-none-any.whl, with the icons, themes and simulator data inside.
wheel: $(STAMP)
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .

# One-folder app in dist/quantdesk/ (PyInstaller), then the smoke tests run the built binary.
bundle: $(BUNDLE_STAMP)
	rm -rf dist/quantdesk
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/quantdesk.spec
	$(PY) -m pytest -q -p no:cacheprovider -m bundle tests/packaging
