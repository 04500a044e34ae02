#!/usr/bin/env bash
# Call-cycle planning benchmark: generated Denver scenarios (1 rep with 150
# accounts; 4 reps with 600), 20 working days, 20-minute calls, 08:00-17:00,
# frequencies 4/2/1. Prints a markdown table of regio_plan_solve against the
# baseline (evenly spaced days by account order, each day routed by
# regio_vrp_solve): coverage, overtime days, spacing band, travel, seconds.
#
#   bench/plan.sh [BUILD_DIR]
#
# BUILD_DIR holds bench_plan (default: build). SEEDS (default "1 2 3")
# chooses the generated instances and solver seeds. Targets: full coverage,
# no overtime, spacing within 60-140%, <= 30 s for 1 rep and <= 60 s for 4
# reps, and no more travel than the baseline. Timings are wall clock: note
# the machine and its load when you quote them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
seeds="${SEEDS:-1 2 3}"
bin="$build/bench_plan"
[ -x "$bin" ] || { echo "plan.sh: $bin not found (build the bench_plan target)" >&2; exit 1; }
first=1
status=0
for s in $seeds; do
  if [ "$first" = 1 ]; then hdr=--header; first=0; else hdr=; fi
  "$bin" --seed "$s" $hdr || status=1
done
exit $status
