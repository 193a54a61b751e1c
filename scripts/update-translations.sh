#!/usr/bin/env bash
# Refreshes resources/i18n (pyside6-lupdate over the package, German from the translation memory, pyside6-lrelease)
# and lists every text still without a translation. Options go to scripts/translations.py (--check, --stub).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
exec "$python" scripts/translations.py "$@"
