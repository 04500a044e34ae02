#!/usr/bin/env bash
# Golden CLI test runner: runs tests/cli/cases/NAME.sh in a fresh temporary
# directory (fixtures from tests/data are reachable as $DATA, the binary as
# $REGIO) and compares everything it prints (stdout and stderr, with the exit
# status of each command as the case prints it) with NAME.out.
# REGIO_UPDATE_GOLDEN=1 rewrites the expected file instead.
set -u
case_file=$1
name=$(basename "$case_file" .sh)
expected=${case_file%.sh}.out
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export REGIO="${REGIO_BIN:?REGIO_BIN not set}"
export DATA="${REGIO_SOURCE_DIR:?}/tests/data"
export REGIO_DB="$work/regio.db"
export REGIO_GAZETTEER="$DATA/gazetteer_small.tsv"
ln -s "$DATA" "$work/data"
actual="$work/actual.out"
(cd "$work" && bash -e "$case_file") >"$actual" 2>&1
status=$?
if [ "${REGIO_UPDATE_GOLDEN:-0}" = 1 ]; then
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
