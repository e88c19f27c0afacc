#!/usr/bin/env bash
# `npm test`: builds the planner app, then runs the test files (vitest, arguments passed on) with the
# static checks (tests/checks.sh: type check and lint) beside them at the lowest CPU priority, and
# fails if either failed, printing the checks' findings after the tests' report.
#
# Beside, not before: the checks are about two core-minutes, and run first they held a CI run's
# 2 cores for 90 s before any test started. At `nice 19` they take only what the tests leave idle
# (the tests wait on leases, processes and the network), and whatever is left of them runs after
# the tests at full speed, so a run takes at most as long as before.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run -s build:app || { echo "test: the planner app does not build" >&2; exit 1; }
checks_log="$(mktemp)"
trap 'rm -f "$checks_log"' EXIT
nice -n 19 bash tests/checks.sh >"$checks_log" 2>&1 &
checks_pid=$!
npx vitest run --config tests/vitest.config.ts "$@"
tests=$?
wait "$checks_pid"
checks=$?
if [ -s "$checks_log" ]; then
  echo
  echo "static checks (type check, lint):"
  cat "$checks_log"
fi
if [ "$checks" -eq 0 ]; then echo "test: type check and lint passed"; else echo "test: the static checks failed (above)" >&2; fi
[ "$tests" -eq 0 ] && [ "$checks" -eq 0 ]
