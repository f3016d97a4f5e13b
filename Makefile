# HomeIQ Workbench. `make run` and `make test` work on a machine with only python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
export UV_PYTHON_DOWNLOADS := never
export UV_NO_CONFIG := 1

.PHONY: install run test lint typecheck pytest lock system-deps bench clean

install: $(STAMP)

# Locked install: requirements.lock pins every package with hashes (made by `make lock`).
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "HomeIQ needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install --python $(PY) --require-hashes -r requirements.lock
	$(UV) pip install --python $(PY) --no-deps -e .
	@$(PY) -c 'import importlib.util, sys; sys.exit("torch got installed; remove it" if importlib.util.find_spec("torch") else 0)'
	touch $(STAMP)

lock:
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet -o requirements.lock

# Debian packages the real-peer tests need (Mosquitto, Chromium); skipped when present.
system-deps:
	@need=""; \
	command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || need="$$need mosquitto"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	if [ -n "$$need" ]; then \
		echo "installing Debian packages:$$need"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need; \
	fi

run: install
	$(VENV)/bin/homeiq run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

pytest: install system-deps
	$(VENV)/bin/pytest -q

test: install system-deps lint typecheck pytest

bench: install
	$(PY) bench/store.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
