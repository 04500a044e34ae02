# regio route on VROOM's three documented examples (VROOM v1.14 docs/API.md,
# BSD-2, see docs/DATA_SOURCES.md). 1: shipments, a break, skills, a job
# that picks up (job 6 stays out: Regio's default 50 km/h road speed is
# slower than the OSRM durations VROOM got; test_route_io serves all seven
# tasks at 80 km/h); 2: a custom matrix without coordinates (VROOM's
# answer: cost 5461); 3: vehicles with steps — solving refuses vehicle 1's steps
# (7 units on a capacity of 4) as VROOM does, --plan (VROOM's -c) follows
# them, serves all six jobs and lists the violations.
set +e
t() { sed -E 's/[0-9]+\.[0-9]+ s$/T s/' "$1"; }
c() { sed -E 's/"computing_times": \{[^}]*\}/"computing_times": {}/'; }
"$REGIO" route data/vroom_example_1.json --max-iterations 2000 2>err.txt | c; echo "exit ${PIPESTATUS[0]}"
t err.txt
"$REGIO" route data/vroom_example_2.json 2>err.txt | c; echo "exit ${PIPESTATUS[0]}"
t err.txt
"$REGIO" route data/vroom_example_3.json; echo "exit $?"
"$REGIO" route data/vroom_example_3.json --plan 2>err.txt | c; echo "exit ${PIPESTATUS[0]}"
t err.txt
# planar coordinates: refused without a matrix, kept for output with one
printf '{"vehicles": [{"id": 1, "start": [35, 135], "end": [35, 135]}], "jobs": [{"id": 1, "location": [41, 149]}]}' > planar.json
"$REGIO" route planar.json; echo "exit $?"
printf '{"vehicles": [{"id": 1, "start": [35, 135], "start_index": 0, "end_index": 0}], "jobs": [{"id": 1, "location": [41, 149], "location_index": 1}], "matrix": [[0, 15.23], [15.23, 0]]}' > planar.json
"$REGIO" route planar.json 2>/dev/null | c | grep -E '"cost"|"location"'; echo "exit $?"
