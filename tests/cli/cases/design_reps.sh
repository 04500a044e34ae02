# Reps to territories: a design in store mode gives each territory the rep
# whose home is nearest (least total home-to-territory distance), leaves a
# territory vacant when reps run out and says so, names a rep without a
# home; the territories show their reps in the export and the report; a
# realign keeps each territory's rep unless --reassign-reps.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,name,lat,lon\nR-NORTH,Nora North,40.1,-100.1\nR-EAST,Ed East,39.9,-98.9\nR-AWAY,Al Away,,\n' > reps.csv
"$REGIO" import reps reps.csv --quiet
# Each territory (the first column of the export) and its rep.
reps_of() {
  "$REGIO" export territories --model "$1" --format csv |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "rep") r = i; next } { print $1 "," $r }'
}
# The summary line ends with the run's seconds: cut them.
run() { "$REGIO" "$@" 2>&1 | sed -E 's/; [0-9.]+ s$//'; return "${PIPESTATUS[0]}"; }
echo "== two reps with a home for three territories"
run design --k 3 --balance accounts --tolerance 0.5 --model m3
reps_of m3
"$REGIO" report --model m3 --balance accounts --tolerance 0.5 --format text | sed -n '/^territory/,$p'
echo "== two more reps; T03 is given to R-SOUTH by hand"
printf 'id,name,lat,lon\nR-SOUTH,Sue South,38.9,-100.1\nR-ISLE,Ian Isle,38.1,-97.4\n' > more.csv
"$REGIO" import reps more.csv --quiet
sqlite3 "$REGIO_DB" "UPDATE territories SET rep_id = (SELECT id FROM reps WHERE ext_id = 'R-SOUTH')
  WHERE ext_id = 'T03' AND model_id = (SELECT id FROM territory_models WHERE name = 'm3')"
echo "== a realign keeps T02's and T03's reps and fills the vacant T01"
run realign --from-model m3 --balance accounts --tolerance 0.5 --model m3-kept
reps_of m3-kept
echo "== --reassign-reps chooses every rep again"
run realign --from-model m3 --balance accounts --tolerance 0.5 --model m3-new --reassign-reps \
  --report report.json
reps_of m3-new
grep -o '"territory": "T0[0-9]", "rep": "[A-Z-]*"' report.json
set +e
echo "== --reassign-reps is for a realign of a stored model"
run design --k 3 --balance accounts --model m4 --reassign-reps | head -1; echo "exit ${PIPESTATUS[0]}"
