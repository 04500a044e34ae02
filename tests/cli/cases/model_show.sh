# `regio model show`: the model's info, its territories under their parents
# (a region written with sqlite3, as another tool would), reps, unit, lock
# and override counts per territory, and the METRICS.md summary; a model
# with unaligned units has no summary.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,lat,lon\nA1,40.1,-100.1\nA2,38.01,-97.5\nA3,39.1,-99.9\nA4,39.5,-99.5\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null
printf 'id,name,lat,lon\nr1,Ana,40,-100\nr2,Ben,39,-99\n' > reps.csv
"$REGIO" import reps reps.csv >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a >/dev/null 2>&1
sqlite3 "$REGIO_DB" "
  INSERT INTO territories(model_id, ext_id, name)
    SELECT id, 'R1', 'Region one' FROM territory_models WHERE name = 'plan-a';
  UPDATE territories SET parent_id = (SELECT id FROM territories WHERE ext_id = 'R1'),
      rep_id = (SELECT id FROM reps WHERE ext_id = CASE territories.ext_id
                                                     WHEN 'T01' THEN 'r1' ELSE 'r2' END)
    WHERE ext_id IN ('T01', 'T02');
  UPDATE territories SET name = 'North' WHERE ext_id = 'T01';"
"$REGIO" model lock plan-a U1 >/dev/null
"$REGIO" model move plan-a --account A1 --to T01 >/dev/null
"$REGIO" model show plan-a | grep -v '^  created: '
"$REGIO" model clone plan-a partial --description "U5 unaligned"
sqlite3 "$REGIO_DB" "DELETE FROM alignments WHERE model_id =
  (SELECT id FROM territory_models WHERE name = 'partial')
  AND unit_id = (SELECT id FROM units WHERE ext_id = 'U5');"
"$REGIO" model show partial | grep -v '^  created: '
"$REGIO" model list
set +e
"$REGIO" model show nope; echo "exit $?"
"$REGIO" model show; echo "exit $?"
