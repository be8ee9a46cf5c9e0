#!/usr/bin/env bash
# The integration and e2e projects, ROUNDS times in a row (default 3), while
# LOAD busy processes (default: one per core) keep every core busy. A test
# that reads a side counter instead of waiting for the effect it asserts on,
# or that expects a deadline a busy machine misses, fails here first.
#
#   make bins && bench/under-load.sh            # ROUNDS=3 LOAD=$(nproc)
#
# Prints one line per round; stops at the first failing round (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
rounds="${ROUNDS:-3}"
load="${LOAD:-$(nproc)}"

busy=()
stop_load() { [ ${#busy[@]} -eq 0 ] || kill "${busy[@]}" 2>/dev/null || true; }
trap stop_load EXIT
for _ in $(seq "$load"); do
  node -e 'for (;;);' &
  busy+=($!)
done

for round in $(seq "$rounds"); do
  start=$(date +%s)
  if vitest run --project integration && vitest run --project e2e; then
    echo "under-load: round $round of $rounds passed in $(($(date +%s) - start)) s, $load busy processes on $(nproc) cores"
  else
    echo "under-load: round $round of $rounds FAILED after $(($(date +%s) - start)) s" >&2
    exit 1
  fi
done
