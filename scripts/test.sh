#!/usr/bin/env bash
# Installs everything into .venv and runs the whole check: ruff, mypy, the layer contract, pytest
# (with a throw-away PostgreSQL server for the history store's tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
export QT_QPA_PLATFORM=offscreen
export AVMA_TEST_REQUIRE_XVFB=1  # the real-window test (tests/e2e/test_real_display.py) must run here, not skip
.venv/bin/ruff check avma_console tests benchmarks
.venv/bin/ruff format --check avma_console tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
# The history store's tests run on SQLite and on a real PostgreSQL: a throw-away server for this run (a URL
# already in AVMA_TEST_POSTGRES_URL is used as it is). Here no server is a failure, never a silent skip.
if [ -z "${AVMA_TEST_POSTGRES_URL:-}" ]; then
  pg_dir=$(mktemp -d)
  trap 'bash scripts/start-postgres.sh stop "$pg_dir"' EXIT
  if ! AVMA_TEST_POSTGRES_URL=$(bash scripts/start-postgres.sh start "$pg_dir" | tail -n 1) \
      || [ -z "$AVMA_TEST_POSTGRES_URL" ]; then
    echo "scripts/test.sh: could not start PostgreSQL for the history store's tests (output above)" >&2
    exit 1
  fi
  export AVMA_TEST_POSTGRES_URL
fi
# The Kerberos tests run against a real MIT KDC (realm LAB.TEST on 127.0.0.1): a throw-away one for this run,
# as for PostgreSQL, and here no KDC is a failure, never a silent skip.
if [ -z "${AVMA_TEST_KDC_DIR:-}" ]; then
  kdc_dir=$(mktemp -d)
  trap 'bash scripts/start-kdc.sh stop "$kdc_dir"; if [ -n "${pg_dir:-}" ]; then bash scripts/start-postgres.sh stop "$pg_dir"; fi' EXIT
  if ! kdc_env=$(bash scripts/start-kdc.sh start "$kdc_dir" | grep -E '^[A-Z0-9_]+=') || [ -z "$kdc_env" ]; then
    echo "scripts/test.sh: could not start the Kerberos KDC for the Kerberos tests (output above)" >&2
    exit 1
  fi
  while IFS= read -r line; do export "${line?}"; done <<<"$kdc_env"
fi
status=0
.venv/bin/python -m pytest -p no:cacheprovider "$@" || status=$?
# pytest exits 5 when it collected no tests: that is a broken suite here, not a success.
if [ "$status" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
# The whole suite (no arguments, as CI runs it): the date-sensitive tests once more at a month boundary, a year
# boundary and a leap day, the wall clock moved for every process by libfaketime (scripts/test-dates.sh).
if [ "$status" -eq 0 ] && [ "$#" -eq 0 ]; then bash scripts/test-dates.sh || status=$?; fi
exit "$status"
