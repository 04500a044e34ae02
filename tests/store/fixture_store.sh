#!/usr/bin/env bash
# Writes tests/data/stores/schema-vN.sql: a small store made by the regio of
# an earlier schema version N, as SQL text (sqlite3 .dump plus its
# user_version), which tests/store/migrations.sh loads, migrates and checks.
#
#   tests/store/fixture_store.sh OLD_REGIO N COMMIT > tests/data/stores/schema-vN.sql
#
# OLD_REGIO is the regio binary built from COMMIT, the last commit before
# migration N+1 was added (git archive COMMIT | tar -x -C DIR, then cmake
# and cmake --build DIR/build --target regio). The store holds units with
# adjacency, accounts (one name not ASCII), reps, two designed models, one
# promoted, and what the version knows of users (2+) and sales lines (5+).
set -euo pipefail
R=$1 v=$2 commit=$3
here="$(cd "$(dirname "$0")/../.." && pwd)"
D="$here/tests/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/s.db"
export REGIO_GAZETTEER="$D/gazetteer_small.tsv"
"$R" import units "$D/units_small.csv" --adjacency "$D/units_small_adjacency.csv" --db "$db" --quiet
printf 'id,name,city,lat,lon,segment,annual_revenue\nA1,Acme,Hays,40.1,-100.1,A,1000\nA2,Bolt,Salina,38.01,-97.5,B,2000\nA3,Core,Hays,39.1,-99.9,A,3000\nA4,Dash,Russell,39.5,-99.5,C,4000\nA5,Echo,Ellis,40.05,-99.05,B,5000\nA6,Fern \xc3\xa9t\xc3\xa9,Hays,39.9,-99.4,A,6000.5\n' > "$work/acc.csv"
"$R" import accounts "$work/acc.csv" --no-geocode --db "$db" >/dev/null
head -6 "$here/data/sample/reps.csv" > "$work/reps.csv"
"$R" import reps "$work/reps.csv" --no-geocode --db "$db" >/dev/null
"$R" assign units --max-km 80 --measures --db "$db" >/dev/null
"$R" design --k 2 --balance accounts --tolerance 0.2 --model FY26 --seed 1 --db "$db" >/dev/null 2>&1
"$R" design --k 3 --balance accounts --tolerance 0.3 --model FY27 --seed 1 --db "$db" >/dev/null 2>&1
if [ "$v" -ge 4 ]; then
  "$R" model promote FY26 --effective 2026-01-01 --db "$db" >/dev/null
else
  "$R" model promote FY26 --db "$db" >/dev/null
fi
if [ "$v" -ge 2 ]; then
  printf 'username,name,email,role,permissions\nrita,Rita,rita@example.com,,\nvic,Vic,,,\n' > "$work/users.csv"
  "$R" import users "$work/users.csv" --db "$db" >/dev/null
fi
if [ "$v" -ge 5 ]; then
  printf 'id,account,date,amount,status\nS1,A1,2026-02-10,5000,won\nS2,A3,2026-05-01,2500,won\nS3,A5,2026-10-02,1200,open\n' > "$work/sales.csv"
  "$R" import sales "$work/sales.csv" --db "$db" >/dev/null
fi
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = "$v" ] || { echo "the store has schema version $(sqlite3 "$db" 'PRAGMA user_version'), not $v" >&2; exit 1; }
echo "-- A Regio store of schema version $v, written by regio built from commit"
echo "-- $commit (tests/store/fixture_store.sh); loaded by tests/store/migrations.sh."
echo "PRAGMA user_version = $v;"
sqlite3 "$db" .dump
