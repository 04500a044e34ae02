# regio import potential: a point layer's weights summed into the units as a
# measure. Units: tests/data/units_small.csv (points U1 40,-100; U2 40,-99;
# U3 39,-100; U4 39,-99; U5 38,-97.5); a point goes to the nearest unit
# within 50 km (1 degree of latitude is 111 km, of longitude 85 km at 40N).
"$REGIO" import units data/units_small.csv --quiet
cat > points.csv <<'CSV'
name,country,lat,lon,people
P1,US,40.10,-100.10,1000
P2,US,39.95,-99.05,250
P3,US,40.00,-99.60,40
P4,US,39.02,-100.00,75.5
P5,US,38.90,-99.00,
P6,US,38.50,-98.20,300
P7,US,10,10,5
P8,US,,,7
P9,US,38.01,-97.49,12
P10,CA,40.05,-100.05,999
CSV
# By hand, with --country US (P10 left out):
#   P1 is 14 km from U1; P3 is 34 km from U1 and 51 km from U2: U1 = 1000 + 40 = 1040
#   P2 -> U2 = 250; P4 -> U3 = 75.5; P5 -> U4 with an empty weight: U4 = 0
#   P9 -> U5 = 12; P6 is 82 km from U5 and 89 km from U4, P7 is in Africa:
#   not placed (305); P8 has no coordinates.
#   placed 1040 + 250 + 75.5 + 0 + 12 = 1377.5 (printed rounded: 1,378)
"$REGIO" import potential points.csv --weight people --country US
"$REGIO" export units | cut -d, -f1,6-
# Without --country P10 counts too: U1 = 1040 + 999 = 2039. Written to
# another measure, with --dry-run first (nothing changes).
"$REGIO" import potential points.csv --weight people --measure everyone --dry-run --quiet
"$REGIO" export units | head -1
"$REGIO" import potential points.csv --weight people --measure everyone --quiet
# Without --weight each point weighs 1: U1 3 (P1, P3, P10), U2 1, U3 1, U4 1, U5 1.
"$REGIO" import potential points.csv --measure sites --quiet
"$REGIO" export units | cut -d, -f1,6-
# The measure balances a design: U1 (1040) against U2..U5 (337.5).
"$REGIO" design --k 2 --balance population --tolerance 0.9 --out - --seed 1 2>&1 | grep -v ' s$'
"$REGIO" audit list | grep -c import.potential
# Errors: nothing is written.
printf 'name,lat,lon,people\nX,40,-100,12\nY,40,-99,abc\n' > bad.csv
"$REGIO" import potential bad.csv --weight people || echo "exit $?"
"$REGIO" import potential bad.csv --weight inhabitants || echo "exit $?"
"$REGIO" import potential points.csv --measure potential || echo "exit $?"
"$REGIO" import potential points.csv --cities || echo "exit $?"
"$REGIO" export units | cut -d, -f1,6-
# --cities reads $REGIO_CITIES (else share/cities.csv, made by make deps),
# weighed by population: here a small file of the same columns.
printf 'name,country,lat,lon,population\nAlpha,US,40.01,-100.01,500\nBeta,MX,39.01,-99.02,80\n' > cities.csv
REGIO_CITIES=cities.csv "$REGIO" import potential --cities --country us --measure town_pop
REGIO_CITIES=missing.csv "$REGIO" import potential --cities || echo "exit $?"
# Polygons: a point goes into the polygon holding it; one just outside (Q3,
# 3 km south of A) only with --country (10 km reach); Q4 (55 km) never.
cat > squares.geojson <<'JSON'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Polygon","coordinates":[[[-100,40],[-99,40],[-99,41],[-100,41],[-100,40]]]}},
{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[-99,40],[-98,40],[-98,41],[-99,41],[-99,40]]]}}]}
JSON
printf 'name,country,lat,lon,w\nQ1,US,40.5,-99.5,100\nQ2,US,40.5,-98.5,30\nQ3,US,39.97,-99.5,8\nQ4,US,39.5,-99.5,1\n' > q.csv
export REGIO_DB=poly.db
"$REGIO" import units squares.geojson --quiet
"$REGIO" import potential q.csv --weight w --measure all_w
"$REGIO" import potential q.csv --weight w --measure us_w --country US --quiet
"$REGIO" export units | cut -d, -f1,6-
# Any OGR point file: the geometry is the point (G1 -> U1, G2 -> U4; G3 has none).
export REGIO_DB=regio.db
cat > pts.geojson <<'JSON'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"G1","w":5},"geometry":{"type":"Point","coordinates":[-100.1,40.1]}},
{"type":"Feature","properties":{"name":"G2","w":7},"geometry":{"type":"Point","coordinates":[-99.0,39.0]}},
{"type":"Feature","properties":{"name":"G3","w":2},"geometry":null}]}
JSON
"$REGIO" import potential pts.geojson --weight w --measure geo_w
"$REGIO" export units | cut -d, -f1,6-
