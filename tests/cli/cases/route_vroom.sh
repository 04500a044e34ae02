# regio route PROBLEM.json: VROOM input with a matrix (location_index plus
# coordinates for GeoJSON), two vehicles of capacity 3 for six deliveries,
# windows (one job with two), a skill only vehicle 2 has, and job 107 whose
# window closes before any shift opens: it is reported unassigned.
set +e
"$REGIO" route data/route_vroom2.json --geojson routes.geojson 2>err.txt \
  | sed -E 's/"computing_times": \{[^}]*\}/"computing_times": {}/'; echo "exit ${PIPESTATUS[0]}"
sed -E 's/[0-9]+\.[0-9]+ s$/T s/' err.txt
echo "geojson: $(grep -c '"LineString"' routes.geojson) routes, $(grep -c '"Point"' routes.geojson) points"
# the same with --out writes the file and nothing on stdout
"$REGIO" route data/route_vroom2.json --out sol.json --seed 2 --max-iterations 300 2>/dev/null; echo "exit $?"
grep -c '"type": "job", "id"' sol.json
# errors name the JSON path
printf '{"vehicles": [{"id": 1, "start": [2.3, 48.8]}], "jobs": [{"id": 5, "location": [2.3, 48.9], "time_windows": [[100, 50]]}]}' > bad.json
"$REGIO" route bad.json; echo "exit $?"
# a shipment needs a pickup and a delivery
printf '{"vehicles": [{"id": 1, "start": [2.3, 48.8]}], "shipments": [{"amount": [1]}]}' > ship.json
"$REGIO" route ship.json; echo "exit $?"
printf '{"vehicles": [\n{"id": 1,, }]}' > broken.json
"$REGIO" route broken.json; echo "exit $?"
printf '{"vehicles": [{"id": 1, "start_index": 0}], "jobs": [{"id": 1, "location_index": 1}], "matrix": [[0, 5], [5, 0]]}' > mat.json
"$REGIO" route mat.json --geojson m.geojson >/dev/null; echo "exit $?"
"$REGIO" route; echo "exit $?"
