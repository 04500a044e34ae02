#!/usr/bin/env bash
# Accounts that carry only a US ZIP code land within 10 km of that ZIP's
# centroid (reference points: US Census ZCTA internal points, rounded).
# Uses the installed gazetteer; skips, saying so, when it is not built.
set -u
REGIO=${REGIO_BIN:?}
gaz=${REGIO_SOURCE_DIR:?}/share/gazetteer.tsv
if [ ! -s "$gaz" ]; then
  echo "SKIP: $gaz not built (make deps builds it)"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/ref.csv" <<'REF'
zip,lat,lon
10001,40.7506,-73.9972
60601,41.8853,-87.6216
94103,37.7725,-122.4147
02134,42.3539,-71.1337
30303,33.7525,-84.3915
98101,47.6114,-122.3343
77002,29.7560,-95.3650
85004,33.4515,-112.0694
80202,39.7528,-104.9985
55401,44.9836,-93.2697
REF
{ echo "id,name,postal_code,country"; tail -n +2 "$work/ref.csv" | awk -F, '{print "Z"NR","$1" only,"$1","}'; } > "$work/acc.csv"
# Spreadsheets drop leading zeros (then the country, the state or
# --country must say US, as a four-digit code could be Swiss or Danish; the
# store keeps the restored 02134) and add ZIP+4.
echo "Z99,zero dropped,2134,United States" >> "$work/acc.csv"
echo "Z98,zip plus four,94103-1234," >> "$work/acc.csv"
REGIO_GAZETTEER=$gaz "$REGIO" import accounts "$work/acc.csv" --db "$work/t.db" || { echo "0 passed, 1 failed"; exit 1; }
"$REGIO" export accounts --db "$work/t.db" --out "$work/out.csv" 2>/dev/null
python3 - "$work/ref.csv" "$work/out.csv" <<'PY'
import csv, math, sys
ref = {r["zip"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(open(sys.argv[1]))}
ref["2134"] = ref["02134"]; ref["94103-1234"] = ref["94103"]
def hav(a, b):
    R = 6371.0088
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2-la1)/2)**2 + math.cos(la1)*math.cos(la2)*math.sin((lo2-lo1)/2)**2
    return 2*R*math.asin(math.sqrt(h))
ok = bad = 0
for r in csv.DictReader(open(sys.argv[2])):
    z = r["postal_code"]
    if not r["lat"]:
        print("FAIL %s not placed" % z); bad += 1; continue
    d = hav(ref[z], (float(r["lat"]), float(r["lon"])))
    flag = d <= 10 and r["geo_source"] == "postal"
    print("%s %-10s %.2f km (%s)" % ("ok  " if flag else "FAIL", z, d, r["geo_source"]))
    ok += flag; bad += not flag
print("%d passed, %d failed" % (ok, bad))
sys.exit(1 if bad else 0)
PY
