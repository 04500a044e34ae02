#!/usr/bin/env bash
# `regio import units` on the US counties: the GeoJSON of shared/data and the
# us-atlas TopoJSON give 3,108 (3,107) units whose derived adjacency holds at
# least 99% of the reference border pairs and at most 1% extra. Skips (and
# says so) when the shared data or the npm package is absent.
set -u
REGIO=${REGIO_BIN:?}
SHARED=${REGIO_SHARED_DATA:-}/territory/us_counties
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0

check_adjacency() { # label db expected_units
  local label=$1 db=$2 want_units=$3
  local units
  units=$("$REGIO" export units --db "$db" | tail -n +2 | wc -l)
  "$REGIO" export adjacency --db "$db" | tail -n +2 | awk -F, '$3 != "island" {print $1","$2}' | sort -u > "$work/derived.txt"
  tail -n +2 "$SHARED/us_counties_adjacency.csv" | tr -d '\r' |
    awk -F, '{ if ($1 < $2) print $1","$2; else print $2","$1 }' | sort -u > "$work/ref.txt"
  local ref found extra
  ref=$(wc -l < "$work/ref.txt")
  found=$(comm -12 "$work/ref.txt" "$work/derived.txt" | wc -l)
  extra=$(comm -13 "$work/ref.txt" "$work/derived.txt" | wc -l)
  echo "$label: $units units, $found of $ref reference pairs found, $extra extra"
  if [ "$units" -eq "$want_units" ] &&
     awk -v f="$found" -v r="$ref" -v e="$extra" 'BEGIN { exit !(f >= 0.99 * r && e <= 0.01 * r) }'; then
    passed=$((passed + 1))
  else
    echo "FAIL $label"; failed=$((failed + 1))
  fi
}

if [ ! -d "$SHARED" ]; then
  echo "SKIP: shared benchmark data not found at $SHARED"
  skipped=2
else
  "$REGIO" import units "$SHARED/us_counties.geojson" --db "$work/geojson.db" --quiet || failed=$((failed + 1))
  check_adjacency "us_counties.geojson" "$work/geojson.db" 3108
  atlas=${REGIO_SOURCE_DIR:?}/node_modules/us-atlas/counties-10m.json
  if [ -f "$atlas" ]; then
    "$REGIO" import units "$atlas" --layer counties --skip-empty --quiet --db "$work/topo.db" \
      --where "id NOT LIKE '02%' AND id NOT LIKE '15%' AND id < '60'" || failed=$((failed + 1))
    # us-atlas collapses Falls Church (51610) to an empty ring: 3,107 units.
    check_adjacency "us-atlas counties-10m.json" "$work/topo.db" 3107
  else
    echo "SKIP: $atlas absent (make deps installs it)"; skipped=$((skipped + 1))
  fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
