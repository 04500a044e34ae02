# `regio plan --overnight`: a rep in Kansas City with four accounts in
# town and twelve around Wichita and Springfield, MO (290-370 road km at
# 50 km/h: a day trip there and back does not fit 08:00-17:00). Without --overnight only the town is
# planned; with it the far accounts are visited on a trip whose nights the
# plan CSV, the report and the routes show, and no day ends after 17:00.
{
  echo 'id,lat,lon,rep,frequency,call_minutes'
  echo 'K1,39.10,-94.58,R1,1,30'
  echo 'K2,39.05,-94.50,R1,1,30'
  echo 'K3,39.02,-94.66,R1,2,30'
  echo 'K4,38.95,-94.60,R1,1,30'
  i=0
  for ll in "37.69 -97.34" "37.65 -97.42" "37.72 -97.25" "37.60 -97.30" "37.75 -97.40" "37.68 -97.20" \
            "37.21 -93.29" "37.17 -93.24" "37.25 -93.35" "37.10 -93.30" "37.19 -93.40" "37.28 -93.22"; do
    i=$((i + 1)); set -- $ll
    echo "OK$i,$1,$2,R1,1,30"
  done
} > accounts.csv
printf 'id,lat,lon,day_start,day_end\nR1,39.0891,-94.5733,08:00,17:00\n' > reps.csv
plan() {
  "$REGIO" plan "$@" 2>&1 | sed -E 's/, [0-9.]+ s$//'
  local st=${PIPESTATUS[0]}
  [ "$st" = 3 ] && { echo "(exit 3)"; return 0; }
  return "$st"
}
echo "== day trips only"
plan --accounts accounts.csv --reps reps.csv --days 10 --seed 1 --out day.csv | head -3
echo "== overnight, 120 a night, at most 3 nights a week"
plan --accounts accounts.csv --reps reps.csv --days 10 --seed 1 --start 2027-01-04 \
  --overnight --hotel-cost 120 --max-nights 3 --out plan.csv --report report.json \
  --routes routes.geojson
head -1 plan.csv
echo "days ending at a hotel (day,date,hotel):"
tail -n +2 plan.csv | awk -F, '$8 == 1 { print $2 "," $7 "," $9 "," $10 }' | sort -t, -k1,1n -u
echo "last departure of each day (no day past 17:00 with the drive home or on):"
tail -n +2 plan.csv | awk -F, '{ d[$2] = $6 } END { for (k in d) print k, d[k] }' | sort -n
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync("report.json", "utf8"));
console.log("report: nights", r.nights, "hotel_cost", r.hotel_cost, "coverage", r.coverage);
for (const d of r.reps[0].days) if (d.visits || d.night) console.log(" day", d.day, d.starts_at, "->", d.night ? "hotel" : "home", "end", d.end, "overtime", d.overtime_min);
const g = JSON.parse(fs.readFileSync("routes.geojson", "utf8"));
console.log("routes: hotels", g.features.filter(f => f.properties.kind === "hotel").length);'
echo "== refusals"
set +e
plan --accounts accounts.csv --reps reps.csv --days 10 --hotel-cost 90 --out x.csv; echo "exit $?"
plan --accounts accounts.csv --reps reps.csv --days 10 --overnight --max-nights 9 --out x.csv; echo "exit $?"
plan --accounts accounts.csv --reps reps.csv --days 10 --trip-days 5 --out x.csv; echo "exit $?"
plan --accounts accounts.csv --reps reps.csv --days 10 --overnight --trip-days 1 --out x.csv; echo "exit $?"
plan --accounts accounts.csv --reps reps.csv --days 10 --overnight --max-nights 3 --trip-days 5 --out x.csv; echo "exit $?"
set -e
echo "== trips over weekends (--trip-days 10): nights over the weekend counted as three"
plan --accounts accounts.csv --reps reps.csv --days 10 --seed 1 --overnight --trip-days 10 \
  --out wk.csv --report wk.json | head -1
node -e '
const r = JSON.parse(require("fs").readFileSync("wk.json", "utf8"));
console.log("report: nights", r.nights, "coverage", r.coverage, "overtime days", r.overtime_days);
console.log("friday night:", r.reps[0].days[4].night ? "hotel" : "home");'
set +e
echo "== the bound: hours any plan of all, and of half, of the visits needs"
plan --accounts accounts.csv --reps reps.csv --days 10 --overnight --out x.csv --bound 1 2>&1 | grep "bound for"
plan --accounts accounts.csv --reps reps.csv --days 10 --overnight --out x.csv --bound 0.5 2>&1 | grep "bound for"
plan --accounts accounts.csv --reps reps.csv --days 10 --out x.csv --bound 1.5; echo "exit $?"
