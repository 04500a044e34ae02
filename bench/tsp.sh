#!/usr/bin/env bash
# Runs the TSP benchmark over the nine reference TSPLIB instances and prints
# a markdown table (instance, n, cost, optimal, gap, seconds, kicks).
#
#   bench/tsp.sh [BUILD_DIR] [DATA_DIR]
#
# BUILD_DIR holds bench_tsp (default: build); DATA_DIR the .tsp files and
# BKS.json (default: ../shared/data/routing/tsp beside the repo). Limits:
# 10 s for the six small instances, 60 s for the three large ones; override
# with SMALL_S / LARGE_S, and the seed with SEED. Timings are wall clock, so
# note the machine and its load when you quote them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
data="${2:-$here/../shared/data/routing/tsp}"
small_s="${SMALL_S:-10}"
large_s="${LARGE_S:-60}"
seed="${SEED:-1}"
bin="$build/bench_tsp"
[ -x "$bin" ] || { echo "tsp.sh: $bin not found (build the bench_tsp target)" >&2; exit 1; }

echo "| instance | n | cost | optimal | gap | seconds | kicks |"
echo "|---|---:|---:|---:|---:|---:|---:|"
sum=0; cnt=0; sumL=0; cntL=0
for inst in eil51 berlin52 kroA100 a280 pr1002 pr2392 rl11849 usa13509 brd14051; do
  case "$inst" in rl11849|usa13509|brd14051) lim="$large_s"; big=1 ;; *) lim="$small_s"; big=0 ;; esac
  row="$("$bin" "$data/$inst.tsp" --time-limit "$lim" --seed "$seed" --bks-json "$data/BKS.json" --row)"
  echo "$row"
  gap="$(echo "$row" | awk -F'|' '{gsub(/[ %]/,"",$6); print $6}')"
  if [ "$big" = 1 ]; then sumL="$(echo "$sumL + $gap" | bc -l)"; cntL=$((cntL+1));
  else sum="$(echo "$sum + $gap" | bc -l)"; cnt=$((cnt+1)); fi
done
printf '\nMean gap, six instances up to 2392 cities (%s s each): %.2f%%\n' "$small_s" "$(echo "$sum / $cnt" | bc -l)"
printf 'Mean gap, three instances of 11849-14051 cities (%s s each): %.2f%%\n' "$large_s" "$(echo "$sumL / $cntL" | bc -l)"
echo "Machine: $(nproc) cores, load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
