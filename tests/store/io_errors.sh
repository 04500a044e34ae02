#!/usr/bin/env bash
# I/O errors (issue 15, item 4): a full disk, a read-only store, a foreign
# file, a truncated store and a store of a newer schema. Each case runs
# regio commands on the file and asserts
#   - exit status 1 (not a crash: no signal, no sanitizer report),
#   - one line on stderr, naming the problem, with no SQL text in it,
#   - the file byte for byte as it was and no -wal/-shm file left beside it
#     (for the full disk: the store as it was before the failed write, and
#     it passes regio check).
# Read-only as root: root ignores file modes, so the commands then run as
# user nobody (setpriv); a read-only bind mount and chattr +i are tried as
# well where this machine allows them (each says when it is skipped). A full
# disk: RLIMIT_FSIZE (ulimit -f), which works anywhere, and a small tmpfs
# where mount works. Prints "N passed, N failed".
set -u
REGIO="${REGIO_BIN:-$(dirname "$0")/../../build/regio}"
SRC="${REGIO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
DATA="$SRC/tests/data"
work=$(mktemp -d /tmp/regio-io-XXXXXX)
chmod 0755 "$work"
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  chattr -R -i "$work" 2>/dev/null
  chmod -R u+w "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
as_nobody=()
[ "$(id -u)" = 0 ] && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# A small store of every kind of row the commands below read.
"$REGIO" import units "$DATA/units_small.csv" --adjacency "$DATA/units_small_adjacency.csv" \
  --db good.db --quiet
"$REGIO" import accounts "$DATA/accounts_good60.csv" --no-geocode --db good.db --quiet
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model m1 --db good.db >/dev/null 2>&1
latest=$(sqlite3 good.db "PRAGMA user_version")
accounts_csv="$SRC/data/sample/accounts.csv"

state() { # the bytes of FILE and what lies beside it
  sha256sum "$1" | cut -d' ' -f1
  ls -a "$(dirname "$1")" | grep -F "$(basename "$1")" | tr '\n' ' '
}

# expect NAME FILE PATTERN [RUNNER...] -- regio ARGS...: runs regio ARGS
# --db FILE and checks exit 1, one stderr line matching PATTERN, no SQL
# text, the file unchanged.
expect() {
  local name=$1 file=$2 pattern=$3
  shift 3
  local runner=()
  while [ "$1" != -- ]; do runner+=("$1"); shift; done
  shift
  local before after err status
  before=$(state "$file")
  "${runner[@]}" "$REGIO" "$@" --db "$file" >out.txt 2>err.txt
  status=$?
  after=$(state "$file")
  err=$(cat err.txt)
  if [ $status -ne 1 ]; then
    fail "$name: exit $status (expected 1): $err"
  elif [ "$(wc -l < err.txt)" -ne 1 ]; then
    fail "$name: $(wc -l < err.txt) lines on stderr: $err"
  elif ! grep -qE "$pattern" err.txt; then
    fail "$name: message does not say /$pattern/: $err"
  elif grep -qiE "\b(select|insert|update|delete|pragma|create|begin|commit)\b" err.txt; then
    fail "$name: SQL in the message: $err"
  elif [ "$before" != "$after" ]; then
    fail "$name: the file changed: [$before] -> [$after]"
  else
    ok "$name: exit 1, \"$err\""
  fi
}

echo "== foreign files"
printf 'id,name\n1,not a store\n' > text.db
cp "$SRC/docs/img/app.png" png.db
sqlite3 other.db "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('mine');"
sqlite3 otherwal.db "PRAGMA journal_mode = WAL; PRAGMA user_version = 3; CREATE TABLE schema_migrations(version TEXT);" >/dev/null
for f in text png other otherwal; do
  want='is not a Regio store'
  for cmd in summary "import accounts $DATA/accounts_good60.csv --no-geocode" check; do
    # shellcheck disable=SC2086
    expect "$f file, regio ${cmd%% *}" $f.db "$want" -- $cmd
  done
done

echo "== truncated stores"
size=$(stat -c%s good.db)
page=$(sqlite3 good.db "PRAGMA page_size")
cp good.db half.db; truncate -s $(( size / page / 2 * page )) half.db
cp good.db midpage.db; truncate -s $(( size - 100 )) midpage.db
cp good.db onepage.db; truncate -s "$page" onepage.db
cp good.db header.db; truncate -s 50 header.db
for f in half midpage onepage header; do
  for cmd in summary "import accounts $DATA/accounts_good60.csv --no-geocode" check; do
    # shellcheck disable=SC2086
    expect "truncated ($f), regio ${cmd%% *}" $f.db 'damaged|not a Regio store' -- $cmd
  done
done

echo "== newer schema"
cp good.db newer.db
sqlite3 newer.db "PRAGMA user_version = $((latest + 1))"
for cmd in summary "import accounts $DATA/accounts_good60.csv --no-geocode" check "serve --port 0"; do
  # shellcheck disable=SC2086
  expect "newer schema, regio ${cmd%% *}" newer.db \
    "schema version $((latest + 1)), newer than this Regio supports \\(latest $latest\\)" -- $cmd
done
# the same with the write-ahead log mode switched off (a switch back would be a change)
cp newer.db newer_rollback.db
sqlite3 newer_rollback.db "PRAGMA journal_mode = DELETE" >/dev/null
expect "newer schema in rollback-journal mode, regio summary" newer_rollback.db \
  "schema version $((latest + 1))" -- summary

echo "== read-only store"
mkdir ro_file; cp good.db ro_file/s.db; chmod 0444 ro_file/s.db; chmod 0777 ro_file
for cmd in summary "import accounts $DATA/accounts_good60.csv --no-geocode"; do
  # shellcheck disable=SC2086
  expect "file mode 0444${as_nobody:+ (as nobody)}, regio ${cmd%% *}" ro_file/s.db 'is read-only' \
    "${as_nobody[@]}" -- $cmd
done
mkdir ro_dir; cp good.db ro_dir/s.db; chmod 0666 ro_dir/s.db; chmod 0555 ro_dir
[ ${#as_nobody[@]} -gt 0 ] && chown 65534 ro_dir/s.db
for cmd in summary "import accounts $DATA/accounts_good60.csv --no-geocode"; do
  # shellcheck disable=SC2086
  expect "folder mode 0555${as_nobody:+ (as nobody)}, regio ${cmd%% *}" ro_dir/s.db \
    'its folder must be writable' "${as_nobody[@]}" -- $cmd
done
if [ "$(id -u)" = 0 ]; then
  mkdir rw_src ro_mnt; cp good.db rw_src/s.db
  if mount --bind rw_src ro_mnt 2>/dev/null; then
    mounts+=("$PWD/ro_mnt")
    if mount -o remount,ro,bind ro_mnt 2>/dev/null; then
      expect "read-only bind mount (as root), regio import" ro_mnt/s.db 'is read-only' \
        -- import accounts "$DATA/accounts_good60.csv" --no-geocode
    else
      echo "skip read-only bind mount: remount refused here"
    fi
  else
    echo "skip read-only bind mount: mount refused here"
  fi
  cp good.db immutable.db
  if chattr +i immutable.db 2>/dev/null; then
    expect "chattr +i (as root), regio import" immutable.db 'is read-only' \
      -- import accounts "$DATA/accounts_good60.csv" --no-geocode
    chattr -i immutable.db
  else
    echo "skip chattr +i: not supported on this file system"
  fi
fi

echo "== full disk"
# full_disk NAME FILE RUNNER...: an import that does not fit; the store keeps
# what it had, passes its check and takes a small write afterwards.
full_disk() {
  local name=$1 file=$2
  shift 2
  local before count_before err status
  before=$(state "$file")
  count_before=$(sqlite3 "$file" "SELECT count(*) FROM accounts")
  ( "$@" "$REGIO" import accounts "$accounts_csv" --no-geocode --quiet --db "$file" ) >out.txt 2>err.txt
  status=$?
  err=$(cat err.txt)
  if [ $status -ne 1 ] || [ "$(wc -l < err.txt)" -ne 1 ]; then
    fail "$name: exit $status, stderr: $err"
  elif ! grep -qE 'disk is full|cannot write to the disk' err.txt; then
    fail "$name: message does not say the disk: $err"
  elif grep -qiE "\b(select|insert|update|delete|pragma|create|begin|commit)\b" err.txt; then
    fail "$name: SQL in the message: $err"
  elif [ "$(state "$file")" != "$before" ]; then
    fail "$name: the store changed"
  elif ! "$REGIO" check --db "$file" >/dev/null 2>&1; then
    fail "$name: the store fails regio check after the failed import"
  elif [ "$(sqlite3 "$file" "SELECT count(*) FROM accounts")" != "$count_before" ]; then
    fail "$name: the accounts changed"
  else
    ok "$name: exit 1, \"$err\", the store unchanged and passing check"
  fi
}
cp good.db fsize.db
limit_kb=$(( ($(stat -c%s good.db) + 300000) / 1024 ))
full_disk "RLIMIT_FSIZE (ulimit -f $limit_kb)" fsize.db bash -c "ulimit -f $limit_kb && exec \"\$@\"" --
if [ "$(id -u)" = 0 ] && mkdir tmpfs && mount -t tmpfs -o size=$(( $(stat -c%s good.db) / 1024 + 300 ))k tmpfs tmpfs 2>/dev/null; then
  mounts+=("$PWD/tmpfs")
  cp good.db tmpfs/s.db
  full_disk "a full tmpfs" tmpfs/s.db env
  # once the disk has room again, the same import goes through
  umount tmpfs && mounts=("${mounts[@]/$PWD\/tmpfs}")
else
  echo "skip full tmpfs: mount refused here (or not root)"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
