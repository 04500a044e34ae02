#!/usr/bin/env bash
# Moving a store (issue 16): `regio migrate` of the sample market from a
# SQLite file into PostgreSQL and back into a new file, MIGRATE_RUNS times
# (default 3), each run into a new schema; prints each direction's times
# and rows per second as the Markdown section body (the bench/run.sh
# protocol).
#
#   bench/migrate.sh [BUILD_DIR]
#
# MIGRATE_STORE: the store to move (default: the sample market built by
# tools/run_sample.sh, as `make run` builds it). MIGRATE_PG: a
# postgresql:// database to move it into (default: a throw-away cluster of
# tests/pg/pg_cluster.sh, stopped at the end). Needs psql.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
runs="${MIGRATE_RUNS:-3}"
. "$here/bench/store_prologue.sh" migrate
R=$REGIO_BIN
export PGOPTIONS="-c client_min_messages=warning"
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
cluster=""
if [ -z "${MIGRATE_PG:-}" ]; then
  cluster="$tmp/pg"
  bash "$here/tests/pg/pg_cluster.sh" start "$cluster" >/dev/null 2>&1 \
    || { echo "migrate.sh: no PostgreSQL (tests/pg/pg_cluster.sh start failed)" >&2; exit 1; }
  trap 'bash "$here/tests/pg/pg_cluster.sh" stop "$cluster" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
  MIGRATE_PG=$(cat "$cluster/url")
fi
store="$tmp/sample.db"
if [ -n "${MIGRATE_STORE:-}" ]; then
  cp "$MIGRATE_STORE" "$store"
else
  (cd "$here" && REGIO_SAMPLE_SERVE=0 REGIO_DB="$store" bash tools/run_sample.sh "$(dirname "$R")") \
    >"$tmp/sample.log" 2>&1
fi
"$R" summary --db "$store" >/dev/null # migrated to this Regio's schema first
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
there=() back=() rows=0
for i in $(seq "$runs"); do
  schema="regio_bench_migrate_$$_$i"
  psql "$MIGRATE_PG" -qc "CREATE SCHEMA $schema" >/dev/null
  pg="$MIGRATE_PG?options=-csearch_path%3D$schema"
  rm -f "$tmp/back.db"
  t0=$(date +%s.%N)
  "$R" migrate --from "$store" --to "$pg" >"$tmp/there.out"
  t1=$(date +%s.%N)
  "$R" migrate --from "$pg" --to "$tmp/back.db" >"$tmp/back.out"
  t2=$(date +%s.%N)
  psql "$MIGRATE_PG" -qc "DROP SCHEMA $schema CASCADE" >/dev/null
  there+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  back+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')")
  rows=$(awk '$1 == "total" { gsub(",", "", $2); print $2 }' "$tmp/there.out")
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mt=$(median "${there[@]}") mb=$(median "${back[@]}")
echo "Load average $load_start at the start, $load_end at the end (2 cores shared with other work)."
echo "The sample market ($(echo "$rows" | commas) rows in $(awk '$2 ~ /^[0-9,]+$/ && $1 != "total"' "$tmp/there.out" | wc -l) tables, $(du -k "$store" | cut -f1) kB), $runs runs; each copy includes its check (every table read back and hashed, the audit chain recomputed):"
echo
echo "| direction | command | times (s) | median (s) | rows/s |"
echo "|---|---|---|---|---|"
echo "| SQLite -> PostgreSQL | \`regio migrate --from sample.db --to postgresql://...\` | ${there[*]} | $mt | $(awk -v r="$rows" -v t="$mt" 'BEGIN { printf "%d", r / t }' | commas) |"
echo "| PostgreSQL -> SQLite | \`regio migrate --from postgresql://... --to back.db\` | ${back[*]} | $mb | $(awk -v r="$rows" -v t="$mb" 'BEGIN { printf "%d", r / t }' | commas) |"
echo "| round trip | | | $(awk -v a="$mt" -v b="$mb" 'BEGIN { printf "%.2f", a + b }') | |"
