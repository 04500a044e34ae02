#!/usr/bin/env bash
# Backups under a write load (issue 15, item 5): tests/store/backup_load.mjs
# for BACKUP_SECONDS (default 60) with BACKUP_CLIENTS API clients (default
# 8: one moving units of model `base` with revisions, the others logging
# activities) on a store of BACKUP_ACCOUNTS extra accounts (default
# 20,000; placing each in its county is most of the set-up), while
# `regio backup --out FILE` runs BACKUP_COUNT times (default 10); each
# backup is then checked.
# Prints the Markdown section body on stdout (the bench/run.sh protocol).
#
#   bench/backup.sh [BUILD_DIR]
#
# Target: every backup passes `regio check` and holds every write
# acknowledged before it began.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
seconds="${BACKUP_SECONDS:-60}" clients="${BACKUP_CLIENTS:-8}"
count="${BACKUP_COUNT:-10}" accounts="${BACKUP_ACCOUNTS:-20000}"
. "$here/bench/store_prologue.sh" backup
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
status=0
node "$here/tests/store/backup_load.mjs" --seconds "$seconds" --clients "$clients" --backups "$count" \
  --accounts "$accounts" --json "$tmp/r.json" > "$tmp/log" 2>&1 || status=$?
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$tmp/r.json" ] || { echo "backup.sh: the test wrote no result:" >&2; tail -20 "$tmp/log" >&2; exit 1; }
q() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(eval(process.argv[2]))' "$tmp/r.json" "$1"; }

echo "Load average $load_start at the start, $load_end at the end (2 cores shared with other work)."
echo "\`node tests/store/backup_load.mjs --seconds $seconds --clients $clients --backups $count --accounts $accounts\`"
echo "from \`${build#"$here"/}\`: Colorado's 64 counties, the sample reps and accounts, $accounts generated accounts"
echo "and a designed model \`base\` ($(q r.store_kib) KiB at the end); \`regio serve\` takes writes from $clients clients"
echo "at once for $(q r.seconds) s — one moving units of \`base\` with the revision it holds, the others logging"
echo "activities, one new id a request — while \`regio backup --out FILE\` runs $count times, one after"
echo "another. $(q r.activities_acked) activities and $(q r.moves_acked) moves acknowledged ($(q r.writes_per_s) writes/s; $(q r.moves_refused) moves refused with 409, $(q r.failed_requests) failed requests)."
echo
echo "| backup | seconds | \`regio check\` | activities acknowledged before it began | of them missing | activities in it | base's revision in it | acknowledged before it began |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|"
q 'r.backups.map(b => `| ${b.backup} | ${(b.ms / 1000).toFixed(1)} | ${b.check ? "passes" : "**fails**"} | ${b.acked_before} | ${b.missing} | ${b.activities_in_backup} | ${b.revision} | ${b.revision_acked_before} |`).join("\n")'
echo
ok=$(q 'r.backups.every(b => b.check && !b.missing && b.revision >= b.revision_acked_before && !b.misplaced) && r.live_check && !r.failed_requests')
echo "Every backup passes \`regio check\` and holds every write acknowledged before it began, the live store passes check: $([ "$ok" = true ] && [ $status -eq 0 ] && echo met || echo '**not met**')."
if [ $status -ne 0 ]; then
  echo
  grep '^FAIL' "$tmp/log" | head -20 | sed 's/^/    /'
fi
