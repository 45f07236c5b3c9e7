#!/usr/bin/env bash
# `npm test`: the type check and the suite at the same time, the suite in two mocha workers (the machines have two
# cores; each alone takes most of a minute). Type errors are printed after the suite; either failure fails the run.
# Extra arguments go to mocha (e.g. `npm test -- --grep sweep`).
set -u
cd "$(dirname "$0")/.."
typecheck_log=$(mktemp)
trap 'rm -f "$typecheck_log"' EXIT
node_modules/.bin/tsc --noEmit >"$typecheck_log" 2>&1 &
typecheck_pid=$!
node_modules/.bin/mocha --parallel --jobs 2 "$@"
suite=$?
wait "$typecheck_pid"
typecheck=$?
if [ "$typecheck" -ne 0 ]; then
  cat "$typecheck_log"
  echo "typecheck: failed (tsc --noEmit)"
fi
[ "$suite" -eq 0 ] && [ "$typecheck" -eq 0 ]
