#!/usr/bin/env bash
# The static checks of `npm test`: type check and lint, side by side (each is one busy core for
# about half a minute; on CI's 2 cores together they take the longer one's time, not the sum).
# Both always run to the end, so one failing does not hide the other's findings; exits non-zero if either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run -s typecheck &
typecheck=$!
npm run -s lint
lint=$?
wait "$typecheck"
typecheck=$?
[ "$typecheck" -eq 0 ] || echo "checks: the type check failed" >&2
[ "$lint" -eq 0 ] || echo "checks: lint failed" >&2
[ "$typecheck" -eq 0 ] && [ "$lint" -eq 0 ]
