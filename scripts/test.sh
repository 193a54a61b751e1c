#!/usr/bin/env bash
# Installs everything into .venv and runs the whole check: ruff, mypy, the layer contract, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check avma_console tests benchmarks
.venv/bin/ruff format --check avma_console tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
status=0
.venv/bin/python -m pytest -p no:cacheprovider "$@" || status=$?
# pytest exits 5 when it collected no tests: that is a broken suite here, not a success.
if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$status"
