#!/usr/bin/env bash
# Goals-and-results benchmark (issue 13): on the access benchmark's
# organisation (bench_access: 1,000,000 accounts, 10,000 territories in 6
# levels, 8,775 leaves), bench_perf writes 10,000,000 sales lines over 2025
# and 2026, a quarterly quota per leaf and 1,000,000 visits; then
#   - `regio import sales` of the 10,000,000 lines into a copy of the store:
#     wall clock and peak resident memory (/usr/bin/time);
#   - `regio import quotas` and `regio import activities`;
#   - `regio perf` for a month, a quarter and a year, by territory, level:3,
#     rep and model: wall clock and peak memory of each;
#   - the API: `regio serve` on the store, the VP's month by territory (every
#     leaf) first and then 100 times in a row, and wrk on a rep's answers.
# Prints the Markdown section body on stdout (the bench/run.sh protocol).
#
#   bench/perf.sh [BUILD_DIR]
#
# BUILD_DIR holds regio, bench_access and bench_perf (default: build). The
# access store is built by bench/access.sh's generator when it is not in
# $BENCH_WORK (default bench/out/access); the sales store is made in a
# temporary folder and removed. LINES (default 10000000) shortens a trial.
#
# Targets: the import of 10,000,000 lines <= 60 s with <= 2 GB peak; regio
# perf for any period and level <= 1 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
bin="$build/regio"
gen="$build/bench_access"
pgen="$build/bench_perf"
lines="${LINES:-10000000}"
seed="${SEED:-2026}"
work="${BENCH_WORK:-$here/bench/out/access}"
for x in "$bin" "$gen" "$pgen"; do
  [ -x "$x" ] || { echo "perf.sh: $x not found (build regio, bench_access and bench_perf)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "perf.sh: /usr/bin/time not found (Debian package time)" >&2; exit 1; }
mkdir -p "$work"
store="$work/access-v$("$gen" version)-s$seed.db"
if [ ! -f "$store" ]; then
  "$gen" build "$store.tmp" --seed "$seed" > "$work/build.tsv"
  mv "$store.tmp" "$store"
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/regio-bench-perf.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$store" "$tmp/s.db"
"$pgen" sales "$lines" "$tmp/sales.csv" --seed "$seed"
"$pgen" quotas "$tmp/quotas.csv"
"$pgen" visits 1000000 "$tmp/visits.csv" --seed "$seed"

# run LABEL CMD...: one timed command; prints "LABEL|wall s|CPU s|peak MB" (CPU
# time is what a busy machine does not inflate: the work is single-threaded)
run() {
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err" || {
    echo "$label|failed: $(head -c 300 "$tmp/err")|||"; return; }
  read -r secs user sys kb < "$tmp/time"
  echo "$label|$secs|$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')|$(( kb / 1024 ))"
}

echo "Store: the access benchmark's organisation; $lines sales lines (80% won, 12% open, 8% lost) over 2025-2026, 70,200 quarterly quotas, 1,000,000 visits."
echo
echo "| step | wall s | CPU s | peak MB |"
echo "|---|---:|---:|---:|"
run "regio import sales ($lines lines)" "$bin" import sales "$tmp/sales.csv" --db "$tmp/s.db" | sed 's/^/| /; s/$/ |/'
run "regio import quotas" "$bin" import quotas "$tmp/quotas.csv" --db "$tmp/s.db" | sed 's/^/| /; s/$/ |/'
run "regio import activities (1,000,000 visits)" "$bin" import activities "$tmp/visits.csv" --db "$tmp/s.db" | sed 's/^/| /; s/$/ |/'
for p in 2026-03 2026Q2 2026; do
  for by in territory level:3 rep model; do
    run "regio perf --period $p --by $by" "$bin" perf --period "$p" --by "$by" --format csv --db "$tmp/s.db" | sed 's/^/| /; s/$/ |/'
  done
done

# ---- the API ----------------------------------------------------------------------
# GET /api/v1/perf for a month by territory: the VP sees all 8,775 leaves
# (a 3 MB answer), a rep their own territories. The first answer credits the
# month; later ones reuse it while the store does not change.
command -v wrk >/dev/null || { echo; echo "wrk not found (Debian package wrk): the API was not measured."; exit 0; }
token() { "$bin" user token "$1" --label perf-bench --db "$tmp/s.db" | tail -1 | awk '{ print $NF }'; }
vp_token="$(token vp)"
rep_token="$(token rep00001)"
"$bin" serve --db "$tmp/s.db" --port 0 --quiet > "$tmp/serve.out" 2> "$tmp/serve.err" &
spid=$!
trap 'kill "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^Regio serving at \(http:[^ ]*\)$/\1/p' "$tmp/serve.out" | head -1)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "perf.sh: regio serve did not start: $(cat "$tmp/serve.err")" >&2; exit 1; }
url="${url%/}"
# every measured answer must be a 200
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $vp_token" "$url/api/v1/perf?period=2025-01&by=model")"
[ "$code" = 200 ] || { echo "perf.sh: GET /api/v1/perf answered $code" >&2; exit 1; }
q="$url/api/v1/perf?period=2026-03&by=territory"
ms() { curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $1" "$2" | awk '{ printf "%.1f", $1 * 1000 }'; }
first="$(ms "$vp_token" "$q")"
for _ in $(seq 1 100); do ms "$vp_token" "$q"; echo; done | sort -g > "$tmp/seq.txt"
seq_p50="$(awk '{ v[NR] = $1 } END { print v[int(NR * 0.50)] }' "$tmp/seq.txt")"
seq_p99="$(awk '{ v[NR] = $1 } END { print v[int(NR * 0.99)] }' "$tmp/seq.txt")"
bytes="$(curl -s -H "Authorization: Bearer $vp_token" "$q" | wc -c)"
wrk_line() { # LABEL TOKEN URL CONNECTIONS
  wrk -c "$4" -t 2 -d 20s --latency -H "Authorization: Bearer $2" "$3" > "$tmp/wrk.txt" 2>&1 || true
  awk -v l="$1" '/ 50%/ { p50 = $2 } / 99%/ { p99 = $2 } /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $5 } END { printf "| %s | %s | %s | %s | %.0f | %d |\n", l, n, p50, p99, rps, bad }' "$tmp/wrk.txt"
}
echo
echo "API, \`GET /api/v1/perf?period=2026-03&by=territory\`: the VP's answer holds every leaf ($bytes bytes); the first request credited the month in $first ms; then 100 requests one after another: p50 $seq_p50 ms, p99 $seq_p99 ms."
echo
echo "| wrk, 20 s | requests | p50 | p99 | req/s | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
wrk_line "a rep's month by territory, 20 connections" "$rep_token" "$q" 20
wrk_line "a rep's month by level:3, 20 connections" "$rep_token" "$url/api/v1/perf?period=2026-03&by=level:3" 20
wrk_line "the VP's month by territory (3 MB), 4 connections" "$vp_token" "$q" 4
echo
echo "Targets: the import <= 60 s with <= 2 GB; regio perf <= 1 s for any period and level; the API's answer for a month by territory p99 <= 100 ms."
