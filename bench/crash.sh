#!/usr/bin/env bash
# Crash safety benchmark (issue 15, item 3): the kill -9 harness of
# tests/store/crash.mjs for CRASH_CYCLES cycles (default 200, seed
# CRASH_SEED, default 15): imports of accounts and sales lines, design
# saves and unit moves through `regio serve`, each killed with SIGKILL at a
# random point, the store checked after every cycle.
# Prints the Markdown section body on stdout (the bench/run.sh protocol).
#
#   bench/crash.sh [BUILD_DIR]
#
# Target: 0 lost acknowledged writes, 0 partial imports or designs,
# integrity_check ok and the store opening after every one of the cycles.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
cycles="${CRASH_CYCLES:-200}"
seed="${CRASH_SEED:-15}"
. "$here/bench/store_prologue.sh" crash
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
status=0
node "$here/tests/store/crash.mjs" --cycles "$cycles" --seed "$seed" --json "$tmp/r.json" --verbose \
  > "$tmp/log" 2>&1 || status=$?
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$tmp/r.json" ] || { echo "crash.sh: the harness wrote no result:" >&2; tail -20 "$tmp/log" >&2; exit 1; }
get() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])); let x=r; for (const k of process.argv[2].split(".")) x=x[k]; console.log(x)' "$tmp/r.json" "$1"; }

lost=$(get lost_acknowledged) partial=$(get partial_writes) integrity=$(get integrity_ok)
opened=$(get store_opened) failedc=$(get cycles_failed)
verdict=met
[ "$lost" = 0 ] && [ "$partial" = 0 ] && [ "$integrity" = "$cycles" ] && [ "$opened" = "$cycles" ] &&
  [ "$failedc" = 0 ] || verdict="**not met**"

echo "Load average $load_start at the start, $load_end at the end (2 cores shared with other work)."
echo "\`node tests/store/crash.mjs --cycles $cycles --seed $seed\` on a store of Colorado's 64"
echo "counties, the sample reps and accounts and a designed model \`base\`, from \`${build#"$here"/}\`;"
echo "$(get seconds) s in all. Each cycle starts one write and SIGKILLs its process at a random"
echo "point (0–120% of the kind's unkilled duration, measured at the start and followed through the"
echo "run; at the end accounts $(get calibration_ms.accounts) ms, sales $(get calibration_ms.sales) ms, design $(get calibration_ms.design) ms;"
echo "the server: its start + 600 ms of moves, $(get calibration_ms.api) ms), then checks the store: \`regio check\`,"
echo "\`regio summary\`, \`PRAGMA integrity_check\`, every batch of every cycle whole or absent, every"
echo "acknowledged write present. \"Killed after its commit\": killed before the client saw it exit,"
echo "yet found whole (it must then stay whole)."
echo
echo "| kind | cycles | finished (acknowledged) | killed | killed after its commit | moves acknowledged | move in flight landed |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for k in accounts sales design api; do
  case $k in
    accounts) label="\`regio import accounts\` (1,000 new accounts)" ;;
    sales) label="\`regio import sales\` (3,000 lines)" ;;
    design) label="\`regio design\` saving a new model" ;;
    api) label="\`regio serve\`: POST /models/base/moves with the revision" ;;
  esac
  echo "| $label | $(get kinds.$k.cycles) | $(get kinds.$k.acked) | $(get kinds.$k.killed) | $(get kinds.$k.killed_after_commit) | $(get kinds.$k.moves_acked) | $(get kinds.$k.move_in_flight_landed) |"
done
echo
echo "| measurement | result | target | |"
echo "|---|---|---|---|"
echo "| acknowledged writes lost (batches, designs, moves, over all cycles) | $lost | 0 | |"
echo "| partial imports or designs | $partial | 0 | |"
echo "| \`PRAGMA integrity_check\` ok | $integrity of $cycles | every cycle | |"
echo "| the store opens (\`regio summary\`) and passes \`regio check\` (audit chain included) | $opened of $cycles opened; $failedc cycles with any problem | every cycle | $verdict |"
echo "| store size at the end | $(( $(get store_bytes) / 1024 )) KiB | – | |"
if [ "$failedc" != 0 ] || [ $status -ne 0 ]; then
  echo
  echo "Failing cycles:"
  echo
  grep '^FAIL' "$tmp/log" | head -20 | sed 's/^/    /'
fi
