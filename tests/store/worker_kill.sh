#!/usr/bin/env bash
# Jobs on workers (issue 16): a `regio worker` killed in the middle of a
# design job, and the job finished by another worker after its lease,
# exactly once; then two workers draining several jobs at once, none run
# twice; a worker stopped (SIGSTOP) past its lease writes nothing when it
# goes on. On the small store of the API tests (Colorado's counties, the
# sample reps and accounts).
#
#   tests/store/worker_kill.sh          on a SQLite file
#   tests/store/worker_kill.sh --pg     on a fresh schema of $REGIO_TEST_DB
#                                       (tests/pg/with_cluster.sh sets it)
set -u
REGIO="${REGIO_BIN:-$(dirname "$0")/../../build/regio}"
SRC="${REGIO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
work=$(mktemp -d)
pids=()
schema=""
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  if [ -n "$schema" ]; then
    psql -q "$REGIO_TEST_DB" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi; }

if [ "${1:-}" = "--pg" ]; then
  if [ -z "${REGIO_TEST_DB:-}" ]; then
    echo "skipped: no PostgreSQL test cluster (REGIO_TEST_DB is not set)"; exit 77
  fi
  schema="regio_worker_$$"
  psql -q "$REGIO_TEST_DB" -c "CREATE SCHEMA $schema" >/dev/null || exit 1
  case "$REGIO_TEST_DB" in *\?*) sep='&' ;; *) sep='?' ;; esac
  export REGIO_DB="$REGIO_TEST_DB${sep}options=-csearch_path%3D$schema"
  sql() { psql -qtA "$REGIO_DB" -c "$1"; }
else
  export REGIO_DB="$work/regio.db"
  sql() { sqlite3 "$REGIO_DB" "$1"; }
fi

"$REGIO" import units "$SRC/node_modules/us-atlas/counties-10m.json" --layer counties \
  --skip-empty --where "id LIKE '08%'" --quiet || exit 1
"$REGIO" import reps "$SRC/data/sample/reps.csv" --quiet || exit 1
"$REGIO" import accounts "$SRC/data/sample/accounts.csv" --quiet || exit 1
"$REGIO" assign units --measures >/dev/null 2>&1 || exit 1

# The state, attempts and worker of job $1 ("done 2 B").
job() { "$REGIO" jobs show "$1" | awk -F': ' '$1 == "state" { s = $2 } $1 == "attempts" { a = $2 }
  $1 == "worker" { w = $2 } $1 == "progress" { p = $2 } END { print s, a, w, p }'; }

# ---- a worker killed in the middle of a design job ---------------------------
# Many starts and a time limit: the run lasts seconds, reporting progress.
id=$("$REGIO" jobs enqueue --params '{"kind": "design", "k": 5, "balance": "accounts",
  "starts": 1000, "time_limit": 6, "target": "killed-design"}') || { fail "enqueue"; exit 1; }
"$REGIO" worker --lease 3 --poll 0.2 --name worker-A >"$work/a.log" 2>&1 &
a=$!
pids+=("$a")
# Kill A once it has reported progress (a heartbeat after the claim).
seen=""
for _ in $(seq 1 100); do
  read -r st att who prog < <(job "$id")
  if [ "$st" = running ] && [ "$who" = worker-A ] && [ "$prog" != "0.00" ]; then
    seen="$st $att $who"; break
  fi
  sleep 0.1
done
check "worker A runs the job and reports progress" "$seen" "running 1 worker-A"
kill -9 "$a"
wait "$a" 2>/dev/null
killed_at=$(date +%s.%N)
"$REGIO" worker --lease 3 --poll 0.2 --name worker-B >"$work/b.log" 2>&1 &
b=$!
pids+=("$b")
# B takes the job only once A's lease has run out, and finishes it.
taken_at=""
for _ in $(seq 1 400); do
  read -r st att who prog < <(job "$id")
  if [ -z "$taken_at" ] && [ "$who" = worker-B ]; then taken_at=$(date +%s.%N); fi
  [ "$st" = done ] || [ "$st" = failed ] && break
  sleep 0.1
done
kill -TERM "$b"
wait "$b"
check "worker B stops on SIGTERM with status 0" "$?" "0"
read -r st att who prog < <(job "$id")
check "the job is done by worker B on its second attempt" "$st $att $who" "done 2 worker-B"
if [ -n "$taken_at" ] && awk -v k="$killed_at" -v t="$taken_at" 'BEGIN { exit !(t - k >= 1) }'; then
  ok "worker B took the job only after worker A's lease ran out (a second or more after the kill)"
else
  fail "worker B never took the job"
fi
check "one model of that name" \
  "$(sql "SELECT count(*) FROM territory_models WHERE name = 'killed-design'")" "1"
check "one design.save audited for it" \
  "$(sql "SELECT count(*) FROM audit_log WHERE action = 'design.save' AND object_id = 'killed-design'")" "1"
check "no other model was saved" "$(sql "SELECT count(*) FROM territory_models")" "1"
check "its units are all aligned" \
  "$(sql "SELECT count(*) FROM alignments a JOIN territory_models m ON m.id = a.model_id
          WHERE m.name = 'killed-design'")" "$(sql "SELECT count(*) FROM units")"
check "worker A's log shows the job taken, no finish" \
  "$(grep -c "job $id (design), attempt 1" "$work/a.log") $(grep -c "job $id done" "$work/a.log")" "1 0"
check "audit chain verifies" "$("$REGIO" audit verify >/dev/null 2>&1; echo $?)" "0"

# ---- a stalled worker comes back after another finished its job ---------------
# Worker E is stopped (SIGSTOP) once it reports progress, F finishes the
# job after E's lease, then E goes on: its next heartbeat is refused, and
# it writes nothing.
zid=$("$REGIO" jobs enqueue --params '{"kind": "design", "k": 5, "balance": "accounts",
  "starts": 1000, "time_limit": 4, "target": "stalled-design"}') || { fail "enqueue"; exit 1; }
"$REGIO" worker --lease 2 --poll 0.2 --name worker-E >"$work/e.log" 2>&1 &
e=$!
pids+=("$e")
for _ in $(seq 1 100); do
  read -r st att who prog < <(job "$zid")
  [ "$st" = running ] && [ "$who" = worker-E ] && [ "$prog" != "0.00" ] && break
  sleep 0.1
done
kill -STOP "$e"
"$REGIO" worker --lease 30 --poll 0.2 --name worker-F >"$work/f.log" 2>&1 &
f=$!
pids+=("$f")
for _ in $(seq 1 300); do
  read -r st att who prog < <(job "$zid")
  [ "$st" = done ] || [ "$st" = failed ] && break
  sleep 0.1
done
kill -TERM "$f"
wait "$f"
read -r st att who prog < <(job "$zid")
check "worker F finished the stalled worker's job" "$st $att $who" "done 2 worker-F"
kill -CONT "$e"
for _ in $(seq 1 100); do
  grep -q "not held by worker-E" "$work/e.log" && break
  sleep 0.1
done
kill -TERM "$e"
wait "$e"
check "worker E, back, is refused: the job is not its own any more"   "$(grep -c "job $zid is not held by worker-E" "$work/e.log")" "1"
read -r st att who prog < <(job "$zid")
check "the job stays done by worker F" "$st $att $who" "done 2 worker-F"
check "one model and one design.save for it"   "$(sql "SELECT count(*) FROM territory_models WHERE name = 'stalled-design'")/$(sql "SELECT count(*) FROM audit_log WHERE action = 'design.save' AND object_id = 'stalled-design'")" "1/1"

# ---- two workers drain several jobs at once ----------------------------------
ids=()
for i in 1 2 3 4 5 6; do
  ids+=("$("$REGIO" jobs enqueue --params "{\"kind\": \"design\", \"k\": 3, \"balance\": \"accounts\",
    \"seed\": $i, \"target\": \"drain-$i\"}")")
done
"$REGIO" worker --lease 30 --poll 0.1 --name worker-C >"$work/c.log" 2>&1 &
c=$!
"$REGIO" worker --lease 30 --poll 0.1 --name worker-D >"$work/d.log" 2>&1 &
d=$!
pids+=("$c" "$d")
for _ in $(seq 1 600); do
  left=$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
  [ "$left" = 0 ] && break
  sleep 0.1
done
kill -TERM "$c" "$d"
wait "$c" "$d"
check "every job is done, each on its first attempt" \
  "$(sql "SELECT count(*) FROM jobs WHERE id > $zid AND state = 'done' AND attempts = 1")" "6"
took_c=$(grep -o 'job [0-9]* (design)' "$work/c.log" | sort)
took_d=$(grep -o 'job [0-9]* (design)' "$work/d.log" | sort)
check "no job taken by both workers" "$(comm -12 <(echo "$took_c") <(echo "$took_d") | grep -c job)" "0"
check "the two workers took six jobs between them" \
  "$(printf '%s\n%s\n' "$took_c" "$took_d" | grep -c job)" "6"
check "six models, one design.save each" \
  "$(sql "SELECT count(*) FROM audit_log WHERE action = 'design.save' AND object_id LIKE 'drain-%'")/$(sql "SELECT count(DISTINCT object_id) FROM audit_log WHERE action = 'design.save' AND object_id LIKE 'drain-%'")" "6/6"
echo "  worker C took $(echo "$took_c" | grep -c job), worker D $(echo "$took_d" | grep -c job)"

# ---- finished jobs pruned ------------------------------------------------------
# Two of the drained jobs ended 40 days ago, two 20 days ago; one job is
# queued with an old date (never pruned). `regio jobs prune` takes the 40-day
# ones (default 30 days), a worker with --keep-days 10 the 20-day ones when
# its queue is empty; the models they saved stay.
sql "UPDATE jobs SET finished_at = finished_at - 40 * 86400 WHERE id IN (${ids[0]}, ${ids[1]})" >/dev/null
sql "UPDATE jobs SET finished_at = finished_at - 20 * 86400 WHERE id IN (${ids[2]}, ${ids[3]})" >/dev/null
qid=$("$REGIO" jobs enqueue --params '{"kind": "design", "k": 3, "balance": "accounts", "target": "later"}')
sql "UPDATE jobs SET created_at = created_at - 90 * 86400 WHERE id = $qid" >/dev/null
before=$(sql "SELECT count(*) FROM jobs")
check "regio jobs prune removes the two jobs that ended over 30 days ago" \
  "$("$REGIO" jobs prune)" "removed 2 finished jobs"
check "they are gone, the rest stay" "$(sql "SELECT count(*) FROM jobs")" "$((before - 2))"
"$REGIO" worker --lease 30 --poll 0.2 --kinds realign --keep-days 10 --name worker-G >"$work/g.log" 2>&1 &
g=$!
pids+=("$g")
for _ in $(seq 1 100); do
  grep -q 'removed' "$work/g.log" && break
  sleep 0.1
done
kill -TERM "$g"
wait "$g"
check "a worker with --keep-days 10 removes the two that ended 20 days ago" \
  "$(grep -c 'removed 2 jobs that ended over 10 days ago' "$work/g.log")" "1"
check "the queued job stays, and the jobs of the last days" \
  "$(sql "SELECT count(*) FROM jobs WHERE id = $qid AND state = 'queued'")/$(sql "SELECT count(*) FROM jobs")" "1/$((before - 4))"
check "the pruned jobs' models stay" \
  "$(sql "SELECT count(*) FROM territory_models WHERE name LIKE 'drain-%'")" "6"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
