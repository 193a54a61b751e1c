#!/usr/bin/env bash
# The date-sensitive tests (end-to-end, history store, services, reports, the month rule) again with the whole
# process tree's wall clock moved by libfaketime (Debian `faketime`) to a month boundary, a year boundary and a
# leap day. Monotonic time stays real (FAKETIME_DONT_FAKE_MONOTONIC=1), so timeouts and asyncio behave.
# Called by scripts/test.sh after the normal run; expects its .venv (and AVMA_TEST_POSTGRES_URL, if set).
#
#   bash scripts/test-dates.sh                          # the three dates
#   bash scripts/test-dates.sh '2027-03-31 23:59:00'    # any other moment (UTC)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends faketime >/dev/null \
    || { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends faketime >/dev/null; }
fi
moments=("$@")
[ "${#moments[@]}" -gt 0 ] || moments=("2026-12-01 00:30:00" "2027-01-01 00:10:00" "2028-02-29 23:40:00")
# The real-window test (Xvfb) says nothing about dates: it runs once, in the normal run.
tests=(tests/e2e tests/store tests/services tests/domain/test_clock_and_periods.py tests/test_faketime_reached.py)
for moment in "${moments[@]}"; do
  echo "== date run: the wall clock starts at $moment UTC"
  status=0
  # The KDC keeps the real time, so a moved client clock is a 5-minute skew it rightly refuses: without
  # AVMA_TEST_KDC_DIR the Kerberos cases skip here (they run in the normal run, and test skew on purpose there).
  env -u AVMA_TEST_KDC_DIR TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 AVMA_FAKETIME_EXPECTED="$moment" \
    PYTHONPATH="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}" \
    faketime "$moment" .venv/bin/python -m pytest -p no:cacheprovider -q "${tests[@]}" \
      --ignore=tests/e2e/test_real_display.py || status=$?
  if [ "$status" -eq 5 ]; then echo "date run at $moment collected no tests" >&2; exit 1; fi
  [ "$status" -eq 0 ] || { echo "date run at $moment failed (exit $status)" >&2; exit "$status"; }
done
