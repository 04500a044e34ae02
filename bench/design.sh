#!/usr/bin/env bash
# Runs the territory design benchmarks (docs/METRICS.md definitions)
# and prints a markdown table: US counties k=50 design, the Texas drift
# realignment and its front of 5 proposals (disruption vs balance), the
# two DL instances (diameter D against the published best),
# a synthetic 33,000-unit set with k=200 and the sample market (make run's
# store) with k=25 and accounts, revenue and potential each within 5%,
# and that store's first design realigned to accounts within 2% moving
# at most 10% of the units.
#
#   bench/design.sh [BUILD_DIR] [SEED]
# Environment: REGIO_SHARED_DATA (default ../shared/data next to the repo).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build-design}"
seed="${2:-1}"
bin="$build/bench_design"
export REGIO_SHARED_DATA="${REGIO_SHARED_DATA:-$here/../shared/data}"
[ -x "$bin" ] || { echo "missing $bin (cmake --build $build --target bench_design)" >&2; exit 1; }

field() { # field KEY LINE
  sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"
}

echo "| run | result | balance | non-contiguous | travel km | max D | moved units | seconds |"
echo "|---|---|---|---|---|---|---|---|"

out="$("$bin" counties --k 50 --balance accounts --tol 0.02 --seed "$seed" --realign-texas --max-moved 0.05 --proposals 5 2>/dev/null)"
d="$(grep '^counties:' <<<"$out")"
r="$(grep '^realign:' <<<"$out")"
echo "| us_counties k=50 accounts tol 0.02 | $(field rc "$d") | $(field balance_accounts "$d") | $(field noncontig "$d") | $(field travel_km "$d") | $(field maxD "$d") | – | $(field seconds "$d") |"
echo "| realign Texas x1.3, max-moved 5% | $(field rc "$r") | $(field balance_accounts "$r") | $(field noncontig "$r") | $(field travel_km "$r") | $(field maxD "$r") | $(field moved_share "$r") | $(field seconds "$r") |"
# Issue 14: the counties at 1% (contiguous, travel <= 119 km, <= 10 s),
# with CPU seconds and the load average beside the wall clock.
tmp1="$(mktemp)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
d="$(/usr/bin/time -f 'cpu=%U' -o "$tmp1" "$bin" counties --k 50 --balance accounts --tol 0.01 --seed "$seed" 2>/dev/null | grep '^counties:')"
cpu="$(sed -n 's/.*cpu=\([^ ]*\).*/\1/p' "$tmp1")"
rm -f "$tmp1"
echo "| us_counties k=50 accounts tol 0.01 (CPU $cpu s, load $load) | $(field rc "$d") | $(field balance_accounts "$d") | $(field noncontig "$d") | $(field travel_km "$d") | $(field maxD "$d") | – | $(field seconds "$d") |"
# The front of disruption vs balance of the same realign (--proposals 5,
# issue 14): each proposal, then whether its ends dominate the single run.
grep '^proposal' <<<"$out" | while read -r line; do
  echo "| Texas front ${line%%:*} ($(field reasons "$line") moved units, $(field none "$line") without a reason) | $(field rc "$line") | $(field balance_accounts "$line") | $(field noncontig "$line") | $(field travel_km "$line") | $(field maxD "$line") | $(field moved_share "$line") | – |"
done
f="$(grep '^front:' <<<"$out")"
echo "| Texas front: $(field proposals "$f") proposals from $(field runs "$f") runs ($(field cpu "$f") s CPU); balanced end dominates the single run: $(field balance_end_dominates "$f"), least-moved end: $(field least_moved "$f") moved at $(field at_balance "$f") | – | – | – | – | – | – | $(field seconds "$f") |"

for f in "$REGIO_SHARED_DATA"/territory/dl/*.in; do
  out="$("$bin" dl "$f" --seed "$seed" --starts "${DL_STARTS:-24}" 2>/dev/null)"
  d="$(grep '^dl: rc' <<<"$out")"
  i="$(grep '^dl: instance' <<<"$out")"
  name="$(field instance "$i")"
  echo "| DL $name (published best D $(field published_best "$i"), gap $(field gap "$i")) | $(field rc "$d") | w1 $(field balance_w1 "$d") w2 $(field balance_w2 "$d") w3 $(field balance_w3 "$d") | $(field noncontig "$d") | – | $(field maxD "$d") | – | $(field seconds "$d") |"
done

out="$("$bin" synth --n 33000 --k 200 --tol 0.02 --seed "$seed" 2>/dev/null)"
d="$(grep '^synth:' <<<"$out")"
echo "| synthetic 33,000 points k=200 tol 0.02 | $(field rc "$d") | $(field balance_accounts "$d") | $(field noncontig "$d") | $(field travel_km "$d") | $(field maxD "$d") | – | $(field seconds "$d") |"

# The sample market (what `make run` loads: the contiguous US counties of
# us-atlas, data/sample's reps and accounts, the units' accounts, revenue
# and potential) with 25 territories, each of the three measures within 5%
# (issue 14: feasible, contiguous, <= 10 s). Run through the CLI on a store
# of its own; CPU seconds and the load average beside the wall clock.
regio="$build/regio"
if [ -x "$regio" ] && [ -r "$here/node_modules/us-atlas/counties-10m.json" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # The fields of a CLI run's summary line ($tmp/out) and its times
  # ($tmp/time): rc bal nc km mv cpu wall.
  cli_fields() {
    local line
    line="$(grep 'units in 25 territories' "$tmp/out" || true)"
    rc=$(grep -q 'not every constraint' "$tmp/out" && echo "best effort (exit 3)" || echo "REGIO_OK")
    bal="$(sed -n 's/.*balance \(accounts [0-9.]*%\( revenue [0-9.]*% potential [0-9.]*%\)\{0,1\}\),.*/\1/p' <<<"$line")"
    nc="$(sed -n 's/.*non-contiguous \([0-9]*\).*/\1/p' <<<"$line")"
    km="$(sed -n 's/.*travel \([0-9.,]*\) km.*/\1/p' <<<"$line")"
    mv="$(sed -n 's/.*moved \([0-9,]* units ([0-9.]*%)\).*/\1/p' <<<"$line")"
    cpu="$(sed -n 's/.*cpu=\([^ ]*\).*/\1/p' "$tmp/time")"
    wall="$(sed -n 's/.*wall=\([^ ]*\).*/\1/p' "$tmp/time")"
  }
  export REGIO_DB="$tmp/sample.db"
  "$regio" import units "$here/node_modules/us-atlas/counties-10m.json" --layer counties --skip-empty \
    --where "id NOT LIKE '02%' AND id NOT LIKE '15%' AND id < '60'" --quiet >/dev/null 2>&1
  "$regio" import reps "$here/data/sample/reps.csv" --quiet >/dev/null 2>&1
  "$regio" import accounts "$here/data/sample/accounts.csv" --quiet >/dev/null 2>&1
  "$regio" assign units --measures >/dev/null 2>&1
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f 'cpu=%U wall=%e' -o "$tmp/time" "$regio" design --k 25 \
    --balance accounts,revenue,potential --tolerance 0.05 --seed "$seed" \
    --out "$tmp/a.csv" >"$tmp/out" 2>&1 || true
  cli_fields
  echo "| sample market k=25 accounts, revenue, potential tol 0.05 (CPU $cpu s, load $load) | $rc | $bal | $nc | $km | – | – | $wall |"
  # The sample's first design (make run's planning model sample-design,
  # tools/run_sample.sh: accounts within 5%) realigned to accounts within
  # 2% moving at most 10% of the units (issue 14).
  "$regio" design --k 25 --balance accounts --tolerance 0.05 \
    --model sample-design >/dev/null 2>&1 || true
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f 'cpu=%U wall=%e' -o "$tmp/time" "$regio" realign --from-model sample-design \
    --balance accounts --tolerance 0.02 --max-moved 0.10 --seed "$seed" \
    --out "$tmp/r.csv" --report "$tmp/r.json" >"$tmp/out" 2>&1 || true
  cli_fields
  echo "| sample-design realigned to accounts tol 0.02, max-moved 10% (CPU $cpu s, load $load) | $rc | $bal | $nc | $km | – | $mv | $wall |"
fi
