# `regio export territories`: a model's territories with their dissolved
# outlines and flat figures (numbers as numbers, one property per measure
# and figure) as GeoJSON, KML and ESRI Shapefile — the files the API's
# downloads give too; ogrinfo reads the measures as Integer/Real fields.
# As CSV: the whole hierarchy, name,parent,account_access,rep, parents first.
# Then `regio export accounts --model`: each account's territory, a manual
# override included. Four 1-degree squares, west (U1, U3) and east (U2, U4).
cat > units.geojson <<'JSON'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"U1","name":"Southwest","accounts":3,"revenue":10.5},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"id":"U2","name":"Southeast","accounts":1,"revenue":20},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}},
{"type":"Feature","properties":{"id":"U3","name":"Northwest","accounts":2,"revenue":5.25},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,2],[0,1]]]}},
{"type":"Feature","properties":{"id":"U4","name":"Northeast","accounts":2,"revenue":7},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}}
]}
JSON
"$REGIO" import units units.geojson --quiet
printf 'id,name,lat,lon,annual_revenue\nA1,Acme,0.5,0.5,4\nA2,Bolt,1.5,1.5,2\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units >/dev/null
printf 'id,name,lat,lon\nr1,Ana,0.5,0.5\n' > reps.csv
"$REGIO" import reps reps.csv >/dev/null
printf 'unit_id,territory\nU1,T01\nU3,T01\nU2,T02\nU4,T02\n' > lock.csv
"$REGIO" design --k 2 --balance accounts --tolerance 0.5 --locked lock.csv --model plan-a 2>/dev/null
sqlite3 "$REGIO_DB" "
  INSERT INTO territories(model_id, ext_id, name)
    SELECT id, 'R1', 'All & one' FROM territory_models WHERE name = 'plan-a';
  UPDATE territories SET parent_id = (SELECT id FROM territories WHERE ext_id = 'R1')
    WHERE ext_id IN ('T01', 'T02');
  UPDATE territories SET name = 'West & hills', rep_id = (SELECT id FROM reps WHERE ext_id = 'r1')
    WHERE ext_id = 'T01';"
"$REGIO" model lock plan-a U1 >/dev/null
"$REGIO" model move plan-a --account A2 --to T01 >/dev/null
echo "== geojson (the default format)"
"$REGIO" export territories --model plan-a
echo "== ogrinfo reads its fields"
"$REGIO" export territories --model plan-a --out t.geojson
ogrinfo -ro -al -so t.geojson | grep -E '^(Layer name|Geometry|Feature Count|[a-z_]+:)'
echo "== kml"
"$REGIO" export territories --model plan-a --format kml
echo "== csv: every territory (R1 too), parents first: name,parent,account_access,rep"
"$REGIO" export territories --model plan-a --format csv
echo "== csv with a territory type: a type column, read back to the same bytes"
printf 'name,priority\nKey accounts,1\n' > types.csv
"$REGIO" import types types.csv >/dev/null
"$REGIO" export territories --model plan-a --format csv > h.csv
"$REGIO" import territories h.csv --model typed >/dev/null
printf 'name,type\nT01,Key accounts\n' > typed.csv
"$REGIO" import territories typed.csv --model typed >/dev/null
"$REGIO" export territories --model typed --format csv | tee typed_h.csv
"$REGIO" import territories typed_h.csv --model typed2 >/dev/null
"$REGIO" export territories --model typed2 --format csv | cmp - typed_h.csv && echo "the same bytes"
echo "== shp: NAME.shp and its side files"
"$REGIO" export territories --model plan-a --format shp --out t.shp
ls t.*
ogrinfo -ro -al -so t.shp | grep -E '^(Geometry|Feature Count|[a-z_]+:)'
ogrinfo -ro -al t.shp | grep -E '^  (id|name|accounts|accounts_t|revenue|contiguous) '
echo "== shp to any other path (and to standard output): one zip"
"$REGIO" export territories --model plan-a --format shp --out t.shp.zip
"$REGIO" export territories --model plan-a --format shp > s.shp.zip
cmp <(unzip -Z1 t.shp.zip | sort) <(unzip -Z1 s.shp.zip | sort) && unzip -Z1 t.shp.zip | sort
ogrinfo -ro -al -so s.shp.zip | grep -E '^(Layer name|Feature Count)'
echo "== accounts with their territory in plan-a (A2 moved to T01 by hand)"
"$REGIO" export accounts --model plan-a
"$REGIO" export accounts --model plan-a --format geojson | grep -o '"id":"A[12]".*"territory":"T0[12]"' | sed 's/"name".*"territory"/... "territory"/'
echo "== errors"
set +e
"$REGIO" export reps --format kml; echo "exit $?"
"$REGIO" export units --model plan-a; echo "exit $?"
"$REGIO" export territories --model nope; echo "exit $?"
"$REGIO" export territories --format xls; echo "exit $?"
