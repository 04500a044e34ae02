# Store mode: units from the store, the design saved as a planning model,
# measured and exported from the store, then realigned into a new model.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a 2>&1 | grep -v "s$" || true
"$REGIO" report --model plan-a --balance accounts --tolerance 0.2 --format csv
"$REGIO" export alignment --model plan-a
# as GeoJSON every unit carries its geometry (here points) and territory
"$REGIO" export alignment --model plan-a --format geojson 2>/dev/null | grep -o '"geometry":{"type":"[A-Za-z]*"' | sort | uniq -c
"$REGIO" realign --from-model plan-a --balance accounts --tolerance 0.05 --max-moved 0.4 \
  --model plan-b 2>&1 | grep -v "s$" || true
"$REGIO" summary | tail -3
set +e
"$REGIO" design --k 2 --balance nope --model plan-c; echo "exit $?"
