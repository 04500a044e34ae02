#!/usr/bin/env bash
# Runs bench_vrptw on every Solomon / Gehring-Homberger instance in the data
# folder and prints a markdown table. Instances with a target (a VROOM result
# under the same conventions) run with that fleet and time limit; others run
# with the BKS fleet and TIME_OTHER seconds.
# Usage: bench/vrptw.sh [BUILD_DIR] [DATA_DIR]   (env: SEED, TIME_OTHER, ONLY)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
data=${2:-${REGIO_SHARED_DATA:-$here/../shared/data}/routing/vrptw}
bin=$build/bench_vrptw
seed=${SEED:-1}
time_other=${TIME_OTHER:-10}
[ -x "$bin" ] || { echo "vrptw.sh: $bin not built" >&2; exit 2; }
[ -d "$data" ] || { echo "vrptw.sh: no data at $data" >&2; exit 2; }

# name:vehicles:target:seconds
targets="C101:10:828.94:10 R101:20:1657.13:10 RC101:16:1661.03:10
c1_2_1:20:2704.56:60 rc1_2_1:20:3588.06:60 r1_2_1:24:4761.46:60
r1_4_1:43:10601.29:60"

bks() { # name -> "vehicles cost" from BKS.json (the _distance entry if any)
  local out
  for key in "$1_distance" "$1"; do
    out=$(awk -v k="\"$key\":" '
      $1 == k { inside = 1; next }
      inside && /"best_known_cost"/ { gsub(/[^0-9.]/, "", $2); c = $2 }
      inside && /"solved_with_vehicles"/ { gsub(/[^0-9]/, "", $2); v = $2 }
      inside && /}/ { print v, c; exit }' "$data/BKS.json" 2>/dev/null)
    [ -n "$out" ] && { echo "$out"; return; }
  done
  echo "0 0"
}

echo "| instance | fleet | routes | distance | target | gap to target | BKS | gap to BKS | feasible | s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for f in "$data"/*.txt; do
  name=$(basename "$f" .txt)
  [ -n "${ONLY:-}" ] && ! echo " $ONLY " | grep -q " $name " && continue
  veh=""; target=""; secs=$time_other
  for t in $targets; do
    IFS=: read -r n v r s <<< "$t"
    if [ "$n" = "$name" ]; then veh=$v; target=$r; secs=$s; fi
  done
  read -r bveh bcost <<< "$(bks "$name")"
  [ -z "$veh" ] && veh=$bveh
  [ "$veh" = "0" ] && veh=""
  args=(--time-limit "$secs" --seed "$seed")
  [ -n "$veh" ] && args+=(--vehicles "$veh")
  line=$("$bin" "$f" "${args[@]}" 2>/dev/null)
  read -r _ routes dist _ _ feas _ _ sec <<< "$line"
  gt="-"; [ -n "$target" ] && gt=$(awk -v a="$dist" -v b="$target" 'BEGIN{printf "%+.2f%%", 100*(a-b)/b}')
  gb="-"; [ "${bcost:-0}" != "0" ] && gb=$(awk -v a="$dist" -v b="$bcost" 'BEGIN{printf "%+.2f%%", 100*(a-b)/b}')
  echo "| $name | ${veh:-all} | $routes | $dist | ${target:--} | $gt | ${bcost:--} | $gb | $feas | $sec |"
done
