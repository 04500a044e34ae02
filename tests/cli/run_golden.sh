#!/usr/bin/env bash
# Golden CLI test runner: runs tests/cli/cases/NAME.sh in a fresh temporary
# directory (fixtures from tests/data are reachable as $DATA, the binary as
# $REGIO) and compares everything it prints (stdout and stderr, with the exit
# status of each command as the case prints it) with NAME.out.
# REGIO_UPDATE_GOLDEN=1 rewrites the expected file instead. Usage:
# run_golden.sh CASE.sh [--pg]
set -u
case_file=$1
name=$(basename "$case_file" .sh)
expected=${case_file%.sh}.out
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export REGIO="${REGIO_BIN:?REGIO_BIN not set}"
export DATA="${REGIO_SOURCE_DIR:?}/tests/data"
export REGIO_DB="$work/regio.db"
# With --pg after the case (cli.NAME.pg, run through tests/pg/with_cluster.sh)
# the store is a fresh schema of REGIO_TEST_DB, dropped at the end.
if [ "${2:-}" = --pg ]; then
  case "${REGIO_TEST_DB:-}" in
  postgres://*|postgresql://*)
    command -v psql >/dev/null || { echo "skipped: psql is not installed"; exit 77; }
    schema="regio_cli_${name}_$$"
    psql "$REGIO_TEST_DB" -qc "CREATE SCHEMA $schema" >/dev/null || exit 1
    trap 'psql "$REGIO_TEST_DB" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null; rm -rf "$work"' EXIT
    sep='?'; case "$REGIO_TEST_DB" in *\?*) sep='&';; esac
    export REGIO_DB="$REGIO_TEST_DB${sep}options=-csearch_path%3D$schema"
    ;;
  *) echo "skipped: REGIO_TEST_DB names no PostgreSQL database"; exit 77;;
  esac
fi
export REGIO_GAZETTEER="$DATA/gazetteer_small.tsv"
ln -s "$DATA" "$work/data"
actual="$work/actual.out"
(cd "$work" && bash -e "$case_file") >"$actual" 2>&1
status=$?
if [ "${REGIO_UPDATE_GOLDEN:-0}" = 1 ] && [ "${2:-}" != --pg ]; then
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
