#!/usr/bin/env bash
# Access benchmark (issue 11): an organisation of 1,000,000 accounts, 40,000
# units, 10,000 territories in a depth-6 hierarchy and 20,000 users, built by
# bench_access through the library API (bench/bench_access.c says what it
# holds), then
#   - `regio access check --pairs` of 100,000 random (user, account) pairs,
#     wall clock end to end, 3 runs (best and median), and the levels found;
#   - `regio serve` with API tokens for the VP and a rep: the first
#     authenticated request (it loads the access snapshot), each user's first
#     account list (it makes their readable list), then
#     `wrk -c 20 -t 2 --latency` on /api/v1/accounts?limit=100 for the rep,
#     for the VP, and for the VP at offset=500000.
# Prints the Markdown section body on stdout (the bench/run.sh protocol:
# run.sh adds the title and writes bench/out/access.md) and, for runs by
# hand, writes the whole section, titled "## Access", to bench/out/access.md.
#
#   bench/access.sh [BUILD_DIR]
#
# BUILD_DIR holds regio and bench_access (default: build). The store is
# generated once into $BENCH_WORK (default bench/out/access) and kept for the
# next run while the generator's version and SEED (default 2026) are the
# same (about 35 s to build, 250 MB). WRK_DURATION (default 15s), PAIRS
# (default 100000) and PAIR_RUNS (default 3) shorten a trial run.
#
# Targets: --pairs of 100,000 in <= 5 s; the rep's page of 100 p99 <= 50 ms
# and the VP's p99 <= 100 ms under wrk -c 20. Wall-clock figures with the
# load generator on the same machine: quote them with the machine and load.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
bin="$build/regio"
gen="$build/bench_access"
duration="${WRK_DURATION:-15s}"
npairs="${PAIRS:-100000}"
runs="${PAIR_RUNS:-3}"
seed="${SEED:-2026}"
work="${BENCH_WORK:-$here/bench/out/access}"
for x in "$bin" "$gen"; do
  [ -x "$x" ] || { echo "access.sh: $x not found (build the regio and bench_access targets)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "access.sh: wrk not found (Debian package wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "access.sh: curl not found" >&2; exit 1; }

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
mkdir -p "$work"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/regio-bench-access.XXXXXX")"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a + 0 <= b + 0) ? "met" : "**NOT MET**" }'; }

# ---- the store (cached by generator version and seed) ----------------------------
version="$("$gen" version)"
db="$work/access-v$version-s$seed.db"
info="$work/access-v$version-s$seed.tsv"
cached=yes
if [ ! -s "$db" ] || [ ! -s "$info" ] || ! grep -q '^step	total' "$info"; then
  cached=no
  rm -f "$work"/access-v*.db "$work"/access-v*.db-* "$work"/access-v*.tsv
  echo "access.sh: generating the store in $db (about 35 s) ..." >&2
  "$gen" build "$db" --seed "$seed" > "$info.tmp"
  mv "$info.tmp" "$info"
fi
get() { awk -F'\t' -v k="$1" '$1 == "info" && $2 == k { print $3 }' "$info"; }
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<< "$1"; } # 1000000 -> 1,000,000
getn() { commas "$(get "$1")"; }
vp="$(get vp)"
rep="$(get rep)"

# ---- regio access check --pairs --------------------------------------------------
pairs="$work/pairs-$npairs-s$seed.csv"
[ -s "$pairs" ] || "$gen" pairs "$npairs" "$pairs" --seed "$seed"
echo "access.sh: access check --pairs x$runs ..." >&2
times=()
rss=
for i in $(seq 1 "$runs"); do
  t0="$(now)"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$tmp/rss" "$bin" access check --db "$db" --pairs "$pairs" \
      --out "$tmp/levels.csv" 2> "$tmp/check.err"
    rss="$(tail -1 "$tmp/rss")"
  else
    "$bin" access check --db "$db" --pairs "$pairs" --out "$tmp/levels.csv" 2> "$tmp/check.err"
  fi
  times+=("$(secs "$t0" "$(now)")")
done
sorted="$(printf '%s\n' "${times[@]}" | sort -g)"
best="$(echo "$sorted" | head -1)"
median="$(echo "$sorted" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
answered="$(($(wc -l < "$tmp/levels.csv") - 1))"
levels="$(LC_ALL=C awk -F, 'NR > 1 { n[$3]++ } END { split("none read edit owner", k, " ");
  for (i = 1; i <= 4; i++) printf "%s%s %d (%.2f%%)", (i > 1 ? ", " : ""), k[i], n[k[i]], 100 * n[k[i]] / (NR - 1) }' "$tmp/levels.csv")"
# The snapshot load alone: one single check (a load and one answer).
t0="$(now)"
"$bin" access check --db "$db" --user "$vp" --account ACC-0000001 > /dev/null
load_s="$(secs "$t0" "$(now)")"

# ---- credentials -----------------------------------------------------------------
for u in "$vp" "$rep"; do
  echo "bench-password-$u" | "$bin" user passwd "$u" --password-stdin --db "$db" > /dev/null
done
token() { "$bin" user token "$1" --label access-bench --db "$db" | tail -1 | awk '{ print $NF }'; }
vp_token="$(token "$vp")"
rep_token="$(token "$rep")"

# ---- the server ----------------------------------------------------------------
"$bin" serve --db "$db" --port 0 --quiet > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
url=
for _ in $(seq 1 300); do
  url="$(sed -n 's/^Regio serving at \(http:[^ ]*\)$/\1/p' "$tmp/serve.out" | head -1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "access.sh: regio serve exited:" >&2; cat "$tmp/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "access.sh: regio serve did not start" >&2; exit 1; }
api="${url}api/v1"
echo "access.sh: server at $url" >&2

# One timed GET: prints "STATUS SECONDS"; the body goes to $tmp/body.
timed() { curl -s -o "$tmp/body" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $1" "$2"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
total_of() { sed -n 's/^{"total":\([0-9]*\).*/\1/p' "$tmp/body"; }
read -r st_first t_first <<< "$(timed "$vp_token" "$api/session")"
read -r st_rep1 t_rep1 <<< "$(timed "$rep_token" "$api/accounts?limit=100")"
rep_total="$(total_of)"
read -r st_vp1 t_vp1 <<< "$(timed "$vp_token" "$api/accounts?limit=100")"
vp_total="$(total_of)"
read -r st_deep t_deep <<< "$(timed "$vp_token" "$api/accounts?limit=100&offset=500000")"
for s in "$st_first" "$st_rep1" "$st_vp1" "$st_deep"; do
  [ "$s" = 200 ] || { echo "access.sh: a warm-up request answered $s: $(head -c 300 "$tmp/body")" >&2; exit 1; }
done

# ---- wrk ---------------------------------------------------------------------------
# CPU seconds the server has used (user + system), from /proc.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$pid/stat"; }
# wrk's figures as "p50 p90 p99 max rps requests errors cpu_ms_per_request" (milliseconds);
# its whole output is kept in $work/wrk_NAME.txt.
run_wrk() { # NAME TOKEN URL
  echo "access.sh: wrk $1 for $duration ..." >&2
  local c0 c1
  c0="$(cpu_s)"
  wrk -c 20 -t 2 -d "$duration" --latency -H "Authorization: Bearer $2" "$3" > "$tmp/wrk_$1.txt" 2>&1 || true
  c1="$(cpu_s)"
  cp "$tmp/wrk_$1.txt" "$work/wrk_$1.txt"
  awk -v cpu="$(secs "$c0" "$c1")" '
    function ms(v) { n = v + 0; if (v ~ /us$/) return n / 1000; if (v ~ /ms$/) return n;
                     if (v ~ /m$/) return n * 60000; if (v ~ /s$/) return n * 1000; return n }
    $1 == "Latency" && $2 != "Distribution" { max = ms($4) }
    $1 == "50%" { p50 = ms($2) } $1 == "90%" { p90 = ms($2) } $1 == "99%" { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 } / requests in / { req = $1 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    END { printf "%.1f %.1f %.1f %.1f %.0f %d %d %.2f\n", p50, p90, p99, max, rps, req, err, req ? cpu * 1000 / req : 0 }' "$tmp/wrk_$1.txt"
}
read -r r50 r90 r99 rmax rrps rreq rerr rcpu <<< "$(run_wrk rep "$rep_token" "$api/accounts?limit=100")"
read -r v50 v90 v99 vmax vrps vreq verr vcpu <<< "$(run_wrk vp "$vp_token" "$api/accounts?limit=100")"
read -r d50 d90 d99 dmax drps dreq derr dcpu <<< "$(run_wrk deep "$vp_token" "$api/accounts?limit=100&offset=500000")"
alive=yes
kill -0 "$pid" 2>/dev/null || alive=no
rss_srv="$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || true)"

# ---- the section ---------------------------------------------------------------------
pairs_ok="$(verdict "$median" 5)"
rep_ok="$(verdict "$r99" 50)"; [ "$rerr" -eq 0 ] || rep_ok="**NOT MET**"
vp_ok="$(verdict "$v99" 100)"; [ "$verr" -eq 0 ] || vp_ok="**NOT MET**"
deep_ok="$(verdict "$d99" 100)"; [ "$derr" -eq 0 ] || deep_ok="**NOT MET**"
step_rows() {
  awk -F'\t' 'function c(x) { while (x ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", x); return x }
              $1 == "step" && $2 != "total" { printf "%s%s %s s (%s)", (n++ ? ", " : ""), $2, $4, c($3) }
              $1 == "step" && $2 == "total" { t = $4 } END { printf "; total %s s", t }' "$info"
}
row() { echo "| $1 | $2 | $3 | $4 |"; }

body() {
  echo "Machine: $(nproc) cores (nproc) of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM;"
  echo "load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. Binaries from \`$build\`;"
  echo "wrk runs on the same machine as the server."
  echo
  echo "Store (\`bench_access build\`, generator v$version, seed $seed$( [ "$cached" = yes ] && echo ", reused from an earlier run")):"
  echo "$(getn accounts) accounts (30% with an owner), $(getn units) point units, $(getn territories) territories"
  echo "in a depth-6 hierarchy (NA > 4 regions > 20 areas > 200 districts > 1,000 sub-districts > 8,775 leaves),"
  echo "$(getn users) users (a VP, 20 directors, 200 managers, 4 ops users, 19,775 reps; 1% of reps disabled),"
  echo "role tree VP > directors > managers > one rep role per manager; memberships: each leaf its owner rep,"
  echo "each district and area its manager or director, 11,000 more reps on leaves of their district"
  echo "($(getn members_inactive) inactive, $(getn members_ended) ended in 2021, $(getn members_future) starting in 2099,"
  echo "$(getn members_dated) dated 2020-2099) and $(getn members_overlay) overlay memberships; 2,000 manual associations;"
  echo "model \`$(get model)\` promoted from 2020-01-01. Build steps: $(step_rows)."
  echo
  echo "| measurement | result | target | |"
  echo "|---|---|---|---|"
  row "\`regio access check --pairs\` of $(commas "$answered") random (user, account) pairs, end to end ($runs runs)" \
    "best $best s, median $median s (runs: ${times[*]} s)${rss:+; peak RSS $((rss / 1024)) MB}; a single check (snapshot load + one answer) $load_s s" \
    "≤ 5 s" "$pairs_ok"
  row "levels of those pairs" "$levels" "–" ""
  row "first authenticated request (GET /api/v1/session as $vp: loads the access snapshot)" "$(ms "$t_first") ms" "–" ""
  row "first GET /api/v1/accounts?limit=100 of each user (makes their readable list)" \
    "rep $rep: $(ms "$t_rep1") ms (total $(commas "$rep_total") readable); VP: $(ms "$t_vp1") ms (total $(commas "$vp_total")); VP at offset=500000: $(ms "$t_deep") ms" "–" ""
  row "\`wrk -c 20 -t 2 -d $duration --latency\` GET /api/v1/accounts?limit=100 as rep $rep" \
    "p50 $r50 ms, p90 $r90 ms, **p99 $r99 ms**, max $rmax ms; $rrps requests/s ($(commas "$rreq") requests), errors $rerr; server CPU $rcpu ms per request" "p99 ≤ 50 ms" "$rep_ok"
  row "the same as the VP ($vp)" \
    "p50 $v50 ms, p90 $v90 ms, **p99 $v99 ms**, max $vmax ms; $vrps requests/s ($(commas "$vreq") requests), errors $verr; server CPU $vcpu ms per request" "p99 ≤ 100 ms" "$vp_ok"
  row "the same as the VP at offset=500000" \
    "p50 $d50 ms, p90 $d90 ms, **p99 $d99 ms**, max $dmax ms; $drps requests/s ($(commas "$dreq") requests), errors $derr; server CPU $dcpu ms per request" "(VP's) p99 ≤ 100 ms" "$deep_ok"
  echo
  if awk -v a="${load_start%% *}" -v b="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" \
       'BEGIN { exit !(a + 0 > n + 0 || b + 0 > n + 0) }'; then
    echo "The load average at the start or the end exceeded the $(nproc) cores: other work competed for the CPU, so the"
    echo "tail latencies (p99) are not the server's alone. Re-run on a quiet machine before judging them."
    echo
  fi
  echo "The server (\`regio serve --db STORE --port 0 --quiet\`, default threads) was $( [ "$alive" = yes ] && echo "still running" || echo "**no longer running**") after the runs${rss_srv:+; its peak RSS was $rss_srv MB}. Commands:"
  echo
  echo '```'
  echo "bench_access build STORE --seed $seed && bench_access pairs $npairs pairs.csv --seed $seed"
  echo "regio access check --db STORE --pairs pairs.csv --out levels.csv"
  echo "regio user token $rep --db STORE; regio user token $vp --db STORE"
  echo "wrk -c 20 -t 2 -d $duration --latency -H 'Authorization: Bearer TOKEN' 'http://127.0.0.1:PORT/api/v1/accounts?limit=100'"
  echo '```'
}

section="$(body)"
echo "$section"
mkdir -p "$here/bench/out"
{
  echo "## Access (bench/access.sh)"
  echo
  echo "Measured $started, load average $load_start at the start."
  echo
  echo "$section"
  echo
} > "$here/bench/out/access.md.$$" && mv "$here/bench/out/access.md.$$" "$here/bench/out/access.md"
echo "access.sh: wrote $here/bench/out/access.md" >&2
