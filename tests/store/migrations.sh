#!/usr/bin/env bash
# Stores written by every earlier schema version open and migrate (issue 15,
# item 4): each tests/data/stores/schema-vN.sql (made by fixture_store.sh
# with the regio of version N) is loaded with sqlite3 into a temporary file,
# opened by this regio, and then
#   - its schema version is the latest, every migration above N recorded;
#   - every row of the tables it had is still there with the values of the
#     columns it had (a migration that rewrites a column on purpose is
#     listed in REWRITTEN; rows a migration adds are fine);
#   - regio check passes, the audit chain verifies, the designed models
#     export, and a new write lands.
# The fixtures are found by their names: a new one needs no change here.
set -u
REGIO="${REGIO_BIN:-$(dirname "$0")/../../build/regio}"
SRC="${REGIO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# Columns that a migration rewrites on purpose: "table.column@version" is
# left out of the comparison for fixtures older than that version.
# Migration 2: hand moves of accounts become cause 'geo'.
REWRITTEN=("account_territories.cause@2")

"$REGIO" summary --db "$work/fresh.db" >/dev/null
latest=$(sqlite3 "$work/fresh.db" "PRAGMA user_version")

# The rows of every table of DB (but the bookkeeping ones), as the columns
# the fixture had, in rowid (or key) order.
snapshot() {
  local db=$1 version=$2 tables
  tables=$(sqlite3 "$work/old.db" "SELECT name FROM sqlite_master WHERE type = 'table'
    AND name NOT IN ('schema_migrations', 'sqlite_sequence') ORDER BY name")
  for t in $tables; do
    local cols=()
    for c in $(sqlite3 "$work/old.db" "SELECT name FROM pragma_table_info('$t') ORDER BY cid"); do
      local skip=0
      for r in "${REWRITTEN[@]}"; do
        [ "${r%@*}" = "$t.$c" ] && [ "$version" -lt "${r#*@}" ] && skip=1
      done
      [ $skip = 0 ] && cols+=("\"$c\"")
    done
    local list
    list=$(IFS=,; echo "${cols[*]}")
    echo "== $t"
    sqlite3 -quote "$db" "SELECT $list FROM \"$t\" ORDER BY $list"
  done
}

shopt -s nullglob
fixtures=("$SRC"/tests/data/stores/schema-v*.sql)
[ ${#fixtures[@]} -gt 0 ] || { echo "no fixtures in tests/data/stores"; echo "0 passed, 1 failed"; exit 1; }
for f in "${fixtures[@]}"; do
  name=$(basename "$f" .sql)
  v=${name#schema-v}
  rm -f "$work"/old.db* "$work"/s.db*
  if ! sqlite3 "$work/old.db" < "$f" 2>"$work/err" || [ -s "$work/err" ]; then
    fail "$name: does not load: $(cat "$work/err")"; continue
  fi
  if [ "$(sqlite3 "$work/old.db" "PRAGMA user_version")" != "$v" ]; then
    fail "$name: loads as schema version $(sqlite3 "$work/old.db" "PRAGMA user_version")"; continue
  fi
  if [ "$v" -gt "$latest" ]; then
    fail "$name: newer than this build (latest $latest)"; continue
  fi
  cp "$work/old.db" "$work/s.db"
  snapshot "$work/old.db" "$v" > "$work/before"
  problems=()
  "$REGIO" summary --db "$work/s.db" > "$work/summary" 2>"$work/err" ||
    problems+=("regio summary: $(cat "$work/err")")
  got=$(sqlite3 "$work/s.db" "PRAGMA user_version")
  [ "$got" = "$latest" ] || problems+=("schema version $got after opening, not $latest")
  missing=$(sqlite3 "$work/s.db" "WITH RECURSIVE v(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM v
    WHERE n < $latest) SELECT group_concat(n) FROM v WHERE n NOT IN (SELECT version FROM schema_migrations)")
  [ -z "$missing" ] || problems+=("migrations not recorded: $missing")
  snapshot "$work/s.db" "$v" > "$work/after"
  # every row the fixture had is still there (migrations may add rows)
  lost=$(comm -23 <(sort "$work/before") <(sort "$work/after"))
  [ -z "$lost" ] || problems+=("rows lost or changed by the migration: $(echo "$lost" | head -10 | tr '\n' ' ')")
  "$REGIO" check --db "$work/s.db" > "$work/out" 2>&1 || problems+=("regio check: $(cat "$work/out")")
  "$REGIO" audit verify --db "$work/s.db" > "$work/out" 2>&1 ||
    problems+=("regio audit verify: $(cat "$work/out")")
  for m in $(sqlite3 "$work/old.db" "SELECT name FROM territory_models ORDER BY name"); do
    "$REGIO" export alignment --model "$m" --db "$work/s.db" > "$work/out" 2>&1 ||
      problems+=("export alignment --model $m: $(cat "$work/out")")
  done
  accounts=$(sqlite3 "$work/s.db" "SELECT count(*) FROM accounts")
  printf 'id,name,lat,lon\nNEW1,After migration,39.5,-99.5\n' > "$work/new.csv"
  "$REGIO" import accounts "$work/new.csv" --no-geocode --quiet --db "$work/s.db" 2>"$work/err" ||
    problems+=("a write after the migration: $(cat "$work/err")")
  [ "$(sqlite3 "$work/s.db" "SELECT count(*) FROM accounts")" = $((accounts + 1)) ] ||
    problems+=("the account written after the migration is not there")
  if [ ${#problems[@]} -eq 0 ]; then
    rows=$(grep -vc '^==' "$work/before")
    ok "$name: migrated $v -> $latest, $rows rows kept, regio check and audit verify pass"
  else
    fail "$name: $(printf '%s; ' "${problems[@]}")"
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
