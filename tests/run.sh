#!/usr/bin/env bash
# `npm test`: the type check and the suite at the same time, the suite in two mocha workers (the machines have two
# cores; each alone takes most of a minute). Type errors are printed after the suite; either failure fails the run.
# Extra arguments go to mocha (e.g. `npm test -- --grep sweep`).
set -u
cd "$(dirname "$0")/.."
typecheck_log=$(mktemp)
trap 'rm -f "$typecheck_log"' EXIT
# Incremental: the first run checks everything (about 30 s of one core, most of it @pulumi/aws's declarations);
# later runs re-check only what changed. The build info lives under node_modules/.cache (never committed).
node_modules/.bin/tsc --noEmit --incremental --tsBuildInfoFile node_modules/.cache/eks-karpenter/typecheck.tsbuildinfo >"$typecheck_log" 2>&1 &
typecheck_pid=$!
# A fresh clone has no transpile cache: fill it in one process (next to the type check) instead of in both mocha
# workers at once. Cached files cost a read and a hash each.
node -e 'require("./offline/run.js").precompile()'
node_modules/.bin/mocha --parallel --jobs 2 "$@"
suite=$?
wait "$typecheck_pid"
typecheck=$?
if [ "$typecheck" -ne 0 ]; then
  cat "$typecheck_log"
  echo "typecheck: failed (tsc --noEmit)"
fi
[ "$suite" -eq 0 ] && [ "$typecheck" -eq 0 ]
