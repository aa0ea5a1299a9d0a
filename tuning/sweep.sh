#!/usr/bin/env bash
# Sweeps the node's throughput knobs with the end-to-end benchmark and prints one line per run.
# Usage: tuning/sweep.sh [runs-per-setting]   (after `npm run build`; ~45 s per run on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
settings=(
  "verify-threads=1 close=1000|--node-arg=--verify-threads --node-arg=1"
  "verify-threads=2 close=1000|--node-arg=--verify-threads --node-arg=2"
  "verify-threads=0 close=1000|--node-arg=--verify-threads --node-arg=0"
  "verify-threads=1 close=250|--close-interval 250 --node-arg=--verify-threads --node-arg=1"
  "verify-threads=1 close=5000|--close-interval 5000 --node-arg=--verify-threads --node-arg=1"
)
printf '%-32s %10s %10s %10s %10s %14s\n' setting accepted committed p50 p99 "node µs/tx"
for s in "${settings[@]}"; do
  name=${s%%|*}
  # shellcheck disable=SC2086
  args=${s#*|}
  for ((r = 1; r <= runs; r++)); do
    out=$(node dist/native-bench/e2e.js $args 2>&1 || true)
    pick() { grep -E "^$1 " <<<"$out" | sed -E "s/^$1 +//" | awk '{print $1}'; }
    printf '%-32s %10s %10s %10s %10s %14s\n' "$name" "$(pick 'accepted TPS')" "$(pick 'committed TPS')" \
      "$(pick 'submit→ledger p50')" "$(pick 'submit→ledger p99')" "$(pick 'node CPU per committed tx')"
  done
done
