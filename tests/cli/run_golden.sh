#!/usr/bin/env bash
# Golden CLI test runner: runs tests/cli/cases/NAME.sh in a fresh temporary
# directory (fixtures from tests/data are reachable as $DATA, the binary as
# $REGIO) and compares everything it prints (stdout and stderr, with the exit
# status of each command as the case prints it) with NAME.out.
# REGIO_UPDATE_GOLDEN=1 rewrites the expected file instead.
# With REGIO_TEST_STORE=pg (the variants cli.NAME.pg, run through
# tests/pg/with_cluster.sh) the store is a fresh schema of the PostgreSQL
# test cluster instead of $work/regio.db: the same output is expected.
# Cases read the store with regio_sql "SQL" (sqlite3 or psql, rows one a
# line, columns separated by '|'), not with sqlite3 "$REGIO_DB".
set -u
case_file=$1
name=$(basename "$case_file" .sh)
expected=${case_file%.sh}.out
work=$(mktemp -d)
schema=""
cleanup() {
  rm -rf "$work"
  if [ -n "$schema" ]; then
    psql "$REGIO_TEST_DB" -X -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
export REGIO="${REGIO_BIN:?REGIO_BIN not set}"
export DATA="${REGIO_SOURCE_DIR:?}/tests/data"
if [ "${REGIO_TEST_STORE:-}" = pg ]; then
  case "${REGIO_TEST_DB:-}" in
    postgres://*|postgresql://*) ;;
    *) echo "skipped: REGIO_TEST_STORE=pg but no PostgreSQL test cluster (REGIO_TEST_DB;" \
            "run through tests/pg/with_cluster.sh)"; exit 77 ;;
  esac
  schema="regio_cli_${name}_$$"
  psql "$REGIO_TEST_DB" -X -q -v ON_ERROR_STOP=1 \
    -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" \
    >/dev/null || exit 1
  sep='?'
  case "$REGIO_TEST_DB" in *\?*) sep='&' ;; esac
  export REGIO_DB="${REGIO_TEST_DB}${sep}options=-csearch_path%3D${schema}"
  regio_sql() { psql "$REGIO_DB" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
else
  export REGIO_DB="$work/regio.db"
  regio_sql() { sqlite3 "$REGIO_DB" "$1"; }
fi
export -f regio_sql
export REGIO_GAZETTEER="$DATA/gazetteer_small.tsv"
ln -s "$DATA" "$work/data"
actual="$work/actual.out"
(cd "$work" && bash -e "$case_file") >"$actual" 2>&1
status=$?
if [ "${REGIO_UPDATE_GOLDEN:-0}" = 1 ] && [ "${REGIO_TEST_STORE:-}" != pg ]; then
  cp "$actual" "$expected"
  echo "updated $expected"
fi
if [ $status -ne 0 ]; then
  echo "case $name exited with $status"; cat "$actual"
  echo "0 passed, 1 failed"; exit 1
fi
if diff -u "$expected" "$actual"; then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"; exit 1
fi
