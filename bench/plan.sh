#!/usr/bin/env bash
# Call-cycle planning benchmark: generated Denver scenarios (1 rep with 150
# accounts; 4 reps with 600), 20 working days, 20-minute calls, 08:00-17:00,
# frequencies 4/2/1. Prints a markdown table of regio_plan_solve against two
# baselines, each day routed by regio_vrp_solve (what regio route runs): the
# weak one (evenly spaced days by account order, left-out visits dropped)
# and the strong one of issue 14 (evenly spaced days levelled over sweep
# sectors, the best of 32 sweeps by estimated driving, a left-out visit
# moved to another day within the 0.6-1.4 spacing band instead of dropped):
# coverage, overtime days, spacing band, travel, seconds.
#
#   bench/plan.sh [BUILD_DIR]
#
# BUILD_DIR holds bench_plan (default: build). SEEDS (default "1 2 3")
# chooses the generated instances and solver seeds. Targets: full coverage,
# no overtime, spacing within 60-140%, <= 30 s for 1 rep and <= 60 s for 4
# reps, no more travel than the weak baseline, and (issue 14) at most 0.9x
# the strong baseline's travel. Timings are wall clock: note
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
# Overnight trips on the sample market (make run's store; SAMPLE_DB, default
# regio-sample.db; skipped when it is not there): the territory of the
# Kansas City rep (REP-14; OVERNIGHT_TERRITORY, default T09 of today's
# sample-design, 162 visits) planned with day trips only and with
# --overnight (trips inside a week, and --trip-days 20: one trip may span
# the cycle's weekends). Target: at least 95% of the visits placed, no
# overtime day.
# Then the lower bound on the hours any plan of all and of 95% of the
# visits needs, against the 180 h of the cycle (regio plan --bound).
db="${SAMPLE_DB:-$here/regio-sample.db}"
terr="${OVERNIGHT_TERRITORY:-T09}"
if [ -f "$db" ] && [ -x "$build/regio" ]; then
  n=0; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  cp "$db" "$tmp/s.db"
  echo
  echo "| $terr, rep REP-14 | options | coverage | overtime days | nights | travel km | CPU s | wall s |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for o in "" "--overnight --max-nights 4" "--overnight --hotel-cost 120 --max-nights 3" \
           "--overnight --trip-days 20"; do
    n=$((n + 1))
    /usr/bin/time -f "%U %S %e" -o "$tmp/time" "$build/regio" plan --db "$tmp/s.db" --model sample-design \
      --territory "$terr" --rep REP-14 --start 2026-12-07 $o --name "bench-$n" \
      --out "$tmp/p.csv" --report "$tmp/r.json" > /dev/null 2>&1 || true
    node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const [u, s, e] = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").pop().split(" ").map(Number);
console.log(`| | ${process.argv[3] || "day trips only"} | ${r.visits_scheduled}/${r.visits_required} (${(100 * r.coverage).toFixed(1)}%) | ${r.overtime_days} | ${r.nights || 0} | ${r.travel_km.toFixed(1)} | ${(u + s).toFixed(2)} | ${e.toFixed(2)} |`);' \
      "$tmp/r.json" "$tmp/time" "$o"
  done
  # the lower bound on the hours any plan needs (regio_plan_hours_bound):
  # all visits, and the 95% of the target
  for cov in 1 0.95; do
    "$build/regio" plan --db "$tmp/s.db" --model sample-design --territory "$terr" --rep REP-14 \
      --start 2026-12-07 --overnight --max-nights 4 --name "bound-$cov" --out "$tmp/p.csv" \
      --bound "$cov" 2>&1 | grep 'bound for' || true
  done
  echo
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
exit $status
