#!/usr/bin/env bash
# `regio brief --pdf` on a territory of more than 50 accounts over polygon
# units (a generated 6 x 4 grid of square units, 150 accounts, two
# territories): the page draws every unit as an SVG path and every account
# as a dot, and the PDF headless Chromium prints has at least two pages
# (page objects "/Type /Page", not "/Pages"). Skips (exit 77) when Chromium
# is not installed.
set -u
REGIO=${REGIO_BIN:?}
chromium=${REGIO_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "SKIP: Chromium is not installed ($chromium): no PDF to check"
  echo "0 passed, 0 failed"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export REGIO_DB="$work/regio.db"
passed=0 failed=0
check() { # label condition...
  local label=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL $label"; failed=$((failed + 1)); fi
}

# Units: 0.5-degree squares from (38N, 101W), ids G<row><col>.
awk 'BEGIN {
  printf "{\"type\":\"FeatureCollection\",\"features\":["
  n = 0
  for (r = 0; r < 4; r++) for (c = 0; c < 6; c++) {
    s = 38 + r * 0.5; w = -101 + c * 0.5; e = w + 0.5; t = s + 0.5
    printf "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"G%d%d\",\"name\":\"Grid %d-%d\"},", (n++ ? "," : ""), r, c, r, c
    printf "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}", w, s, e, s, e, t, w, t, w, s
  }
  print "]}"
}' > "$work/grid.geojson"
# Accounts: 150 spread over the grid on a fixed pattern, segments A/B/C.
awk 'BEGIN {
  print "id,name,city,lat,lon,segment,potential"
  for (i = 1; i <= 150; i++) {
    lat = 38.02 + ((i * 37) % 97) / 97 * 1.96; lon = -100.98 + ((i * 61) % 101) / 101 * 2.96
    printf "C%03d,Customer %d,Town %d,%.4f,%.4f,%s,%d\n", i, i, i % 17, lat, lon, substr("ABC", i % 3 + 1, 1), 1000 + (i * 7919) % 50000
  }
}' > "$work/accounts.csv"
"$REGIO" import units "$work/grid.geojson" --quiet >/dev/null || failed=$((failed + 1))
"$REGIO" import accounts "$work/accounts.csv" --no-geocode >/dev/null || failed=$((failed + 1))
"$REGIO" assign units --measures >/dev/null 2>&1 || failed=$((failed + 1))
"$REGIO" design --k 2 --balance accounts --tolerance 0.1 --model M1 >/dev/null 2>&1 || failed=$((failed + 1))
"$REGIO" model promote M1 --effective 2026-01-01 >/dev/null || failed=$((failed + 1))

"$REGIO" brief --model M1 --territory T01 --out "$work/T01.html" --pdf "$work/T01.pdf" 2>"$work/err"
status=$?
cat "$work/err"
check "brief exits 0" test "$status" -eq 0
accounts=$(sed -n '/id="accounts"/,/<\/section>/p' "$work/T01.html" | grep -c '^<tr>')
units=$("$REGIO" export alignment --model M1 | grep -c ',T01$')
paths=$(grep -c '^<path ' "$work/T01.html")
dots=$(grep -c '^<circle ' "$work/T01.html")
pages=$(grep -a -o -E '/Type */Page([^s]|$)' "$work/T01.pdf" 2>/dev/null | wc -l)
echo "T01: $accounts accounts ($dots dots), $units units ($paths paths), PDF of $pages pages"
check "more than 50 accounts" test "$accounts" -gt 50
check "one dot per account" test "$dots" -eq "$accounts"
check "one path per unit" test "$paths" -eq "$units"
check "at least two pages" test "$pages" -ge 2
check "a PDF" grep -q -a '^%PDF-' "$work/T01.pdf"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
