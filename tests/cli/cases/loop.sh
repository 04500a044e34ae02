# The workload loop on the store: `regio plan --model M --all` plans every
# territory, saves the plans and stores the workload per unit (checked: the
# units' measure adds up to the plans' calls, travel and estimate), `regio
# realign --balance workload` balances it, and `regio loop` realigns, plans
# again and stops when the workload balance stops improving, keeping the
# best round (its balance is what `regio report` measures afterwards).
# Store: Colorado's counties, three reps living in Colorado, the sample
# accounts that lie there, a first design of 3 territories on accounts.
SRC=${REGIO_SOURCE_DIR:?}
"$REGIO" import units "$SRC/node_modules/us-atlas/counties-10m.json" --layer counties \
  --skip-empty --where "id LIKE '08%'" --quiet
cat > reps.csv <<'CSV'
id,name,lat,lon,day_start,day_end
DEN,Denver,39.74,-104.99,08:00,17:00
GJT,Grand Junction,39.06,-108.55,08:00,17:00
COS,Colorado Springs,38.83,-104.82,08:00,17:00
CSV
"$REGIO" import reps reps.csv --quiet
"$REGIO" import accounts "$SRC/data/sample/accounts.csv" --quiet
"$REGIO" assign units --measures >/dev/null 2>&1
"$REGIO" design --k 3 --balance accounts --model co >/dev/null 2>&1
set +e
echo "== plan --all: every territory planned and saved, the workload stored"
"$REGIO" plan --model co --all --start 2027-01-04 --time-limit 0 --name co-plans \
  --workload units.csv; echo "exit $?"
sqlite3 "$REGIO_DB" "SELECT name, json_extract(params, '$.territory'),
  json_extract(params, '$.visits_scheduled') FROM visit_plans ORDER BY id"
echo "== the units' workload adds up to the plans' total (and units.csv says the same)"
"$REGIO" export units --out - | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "workload") w = i; next }
  { s += $w; n++ } END { printf "%d units, workload %.1f h\n", n, s }'
awk -F, 'NR > 1 { s += $2; n++ } END { printf "units.csv: %d units, workload %.1f h\n", n, s }' units.csv
echo "== realign and report balance it"
"$REGIO" report --model co --balance workload --format text | grep -E '^  [a-z]+ +balance '
"$REGIO" realign --from-model co --balance workload --tolerance 0.05 --max-moved 0.2 \
  --model co-realigned 2>&1 | grep "balance" | sed -E 's/; [0-9.]+ s$//'
echo "== with overnight trips, the far rep's visits are placed too (2/27 by day trips)"
# (how many exactly is the trips' business: cli.plan_overnight and test_plan)
"$REGIO" plan --model co --all --overnight --start 2027-01-04 --time-limit 0 --name co-nights \
  2>&1 | awk '/^T01 / { split($4, v, "/"); print "T01 with trips: " (v[1] > 2 ? "more visits" : "no more visits") }
  /nights at hotels/ { print "nights at hotels: " ($3 > 0 ? "some" : "none") }'
echo "== the loop: a row per round (seconds cut), the best round kept"
"$REGIO" loop --model co --save co-balanced --rounds 6 --start 2027-01-04 --time-limit 0 \
  > loop.out 2> loop.err; echo "exit $?"
sed -E 's/[0-9]+\.[0-9]$/S/; s/[0-9]+\.[0-9]  \(no/S  (no/' loop.out
sed -E 's/, [0-9.]+ s in all//' loop.err
"$REGIO" report --model co-balanced --balance workload --format text | grep -E '^  [a-z]+ +balance '
sqlite3 "$REGIO_DB" "SELECT name FROM visit_plans WHERE name LIKE 'co-balanced/r0/%' OR
  name LIKE 'co-balanced/r3/%' ORDER BY id"
echo "== refusals"
"$REGIO" loop --model co --save co-balanced --start 2027-01-04 2>&1; echo "exit $?"
"$REGIO" loop --rounds 2 > usage.log 2>&1; echo "exit $?"; head -2 usage.log
"$REGIO" loop --model nope --save x 2>&1; echo "exit $?"
"$REGIO" plan --all --start 2027-01-04 > usage.log 2>&1; echo "exit $?"; head -1 usage.log
"$REGIO" loop --model co --hotel-cost 90 2>&1; echo "exit $?"
"$REGIO" plan --model co --all --max-nights 9 2>&1; echo "exit $?"
echo "== the loop from a fresh design of 3 territories"
"$REGIO" loop --design 3 --save co-fresh --rounds 2 --start 2027-01-04 --time-limit 0 \
  > fresh.out 2> fresh.err; echo "exit $?"
sed -E 's/[0-9]+\.[0-9]$/S/; s/[0-9]+\.[0-9]  \(no/S  (no/' fresh.out
sed -E 's/, [0-9.]+ s in all//' fresh.err
"$REGIO" export territories --model co-fresh --format csv |
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "rep") r = i; next } { print $1 "," $r }'
"$REGIO" loop --design 3 > usage.log 2>&1; echo "exit $?"; head -1 usage.log
"$REGIO" loop --design 3 --model co --save x 2>&1; echo "exit $?"
