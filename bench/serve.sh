#!/usr/bin/env bash
# HTTP server benchmark: loads the sample market (as tools/run_sample.sh) into
# a temporary store, starts `regio serve` (default threads) and measures
#   - wrk -t2 -c50 -d30s --latency on /api/v1/territories.geojson;
#   - the edit round trip: 50 moves of one unit, each reading the balance
#     (bench/serve_roundtrip.mjs);
#   - the same edit in the web app in headless Chromium: 30 clicks moving a
#     border unit back and forth, each timed from the click to the balance
#     panel row showing the new total (bench/app_edit.mjs; skipped without
#     /usr/bin/chromium or $REGIO_CHROMIUM);
#   - another client (100 GETs of health, 20 of the GeoJSON) while 1,000
#     connections trickle a header one byte every ~500 ms, then health every
#     50 ms until the request deadline (default 30 s) has cut them all; a
#     client trickling a header one byte every 2 s and one sending a body at
#     10 bytes/s, and when the deadline cut them (bench/slow_clients.mjs).
# Prints the Markdown section body on stdout (the bench/run.sh protocol:
# run.sh adds the title and writes bench/out/serve.md) and, for runs by hand,
# writes the whole section, titled "## HTTP server", to bench/out/serve.md.
#
#   bench/serve.sh [BUILD_DIR]
#
# Targets: wrk 0 errors and p99 <= 50 ms; round trip <= 100 ms; balance panel
# updated within 100 ms of an edit; the other client served within 100 ms
# during the trickle and while the deadline cuts the slow connections; the
# two trickling clients cut with a 408 at the deadline (30 s). Wall-clock figures with the load generators on the same
# machine: quote them with the machine and load.
# WRK_DURATION (default 30s), ROUNDTRIPS (default 50) and APP_EDITS (default
# 30) shorten a trial run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
bin="$build/regio"
duration="${WRK_DURATION:-30s}"
roundtrips="${ROUNDTRIPS:-50}"
appedits="${APP_EDITS:-30}"
model=sample-design
[ -x "$bin" ] || { echo "serve.sh: $bin not found (build the regio target)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "serve.sh: wrk not found (Debian package wrk)" >&2; exit 1; }
command -v node >/dev/null || { echo "serve.sh: node not found" >&2; exit 1; }

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/regio-bench-serve.XXXXXX")"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the sample market (tools/run_sample.sh, into the temporary store) ----
export REGIO_DB="$tmp/sample.db"
cd "$here"
echo "serve.sh: building the sample market in $REGIO_DB ..." >&2
{
  "$bin" import units node_modules/us-atlas/counties-10m.json --layer counties --skip-empty \
    --where "id NOT LIKE '02%' AND id NOT LIKE '15%' AND id < '60'"
  "$bin" import reps data/sample/reps.csv
  "$bin" import accounts data/sample/accounts.csv
  "$bin" assign units --measures
  "$bin" design --k 25 --balance accounts --tolerance 0.05 --model "$model"
} > "$tmp/build.log" 2>&1 || { echo "serve.sh: building the store failed:" >&2; tail -20 "$tmp/build.log" >&2; exit 1; }

# ---- the server ----------------------------------------------------------
"$bin" serve --db "$REGIO_DB" --port 0 --quiet > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
url=
for _ in $(seq 1 300); do
  url="$(sed -n 's/^Regio serving at \(http:[^ ]*\)$/\1/p' "$tmp/serve.out" | head -1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "serve.sh: regio serve exited:" >&2; cat "$tmp/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "serve.sh: regio serve did not start" >&2; exit 1; }
port="$(echo "$url" | sed 's/.*:\([0-9]*\)\/$/\1/')"
api="${url}api/v1"
geo="$api/territories.geojson"
echo "serve.sh: server at $url" >&2

jq_() { node -e 'const v=JSON.parse(process.argv[1]); const p=process.argv[2].split("."); let x=v; for (const k of p) x=x[k]; console.log(x)' "$1" "$2"; }

# Warm the GeoJSON cache (the first request dissolves the outlines).
geo_bytes="$(node -e 'fetch(process.argv[1]).then(r=>r.arrayBuffer()).then(b=>console.log(b.byteLength))' "$geo")"
units="$(node -e 'fetch(process.argv[1]).then(r=>r.json()).then(j=>console.log(j.total))' "$api/units?limit=1")"

# ---- wrk -------------------------------------------------------------------
echo "serve.sh: wrk for $duration ..." >&2
wrk -t2 -c50 -d"$duration" --latency "$geo" > "$tmp/wrk.txt" 2>&1 || true
to_ms() { # 830.00us | 40.35ms | 1.02s | 2.00m -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'
}
rps="$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.txt")"
total_req="$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")"
p50="$(to_ms "$(awk '$1=="50%" {print $2}' "$tmp/wrk.txt")")"
p90="$(to_ms "$(awk '$1=="90%" {print $2}' "$tmp/wrk.txt")")"
p99="$(to_ms "$(awk '$1=="99%" {print $2}' "$tmp/wrk.txt")")"
non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$tmp/wrk.txt")"
non2xx="${non2xx:-0}"
sockerr="$(awk -F'[ ,]+' '/Socket errors:/ {print $4+$6+$8+$10}' "$tmp/wrk.txt")"
sockerr="${sockerr:-0}"
wrk_err=$((non2xx + sockerr))

# ---- edit round trip ---------------------------------------------------------
echo "serve.sh: edit round trip x$roundtrips ..." >&2
rt="$(node "$here/bench/serve_roundtrip.mjs" "$api" "$model" "$roundtrips")"

# ---- balance panel in the browser ---------------------------------------------------
echo "serve.sh: balance panel in headless Chromium x$appedits ..." >&2
app="$(node "$here/bench/app_edit.mjs" "$api" "$model" "$appedits" 2> "$tmp/app_edit.err")" || app=
app_row() { # the table row of bench/app_edit.mjs's JSON line (or its failure)
  local what="balance panel in the browser: move → row updated (headless Chromium)"
  node -e '
    const [what, text, err] = process.argv.slice(1);
    let j = null;
    try { j = JSON.parse(text.trim().split("\n").pop()); } catch {}
    const row = (r, v) => console.log(`| ${what} | ${r} | ≤ 100 ms | ${v} |`);
    if (!j) {
      const why = (err.trim().split("\n").find(l => /Error|error:/.test(l)) || err.trim().split("\n").pop() || "no output").replace(/\|/g, "/").slice(0, 200);
      row(`failed: ${why}`, "**FAILED**");
    } else if (j.skipped) row(`skipped: ${j.skipped}`, "skipped");
    else row(`${j.n} edits of unit ${j.unit} (${j.name}) between ${j.from} and ${j.to}, ${j.clicks === j.n ? "each a click on its path" : `${j.clicks} by a click on its path, ${j.n - j.clicks} by window.regio.moveUnits`} after choosing the target; ` +
      `edit → row shows the new ${j.measure} total: median ${j.median_ms} ms, p95 ${j.p95_ms} ms, max ${j.max_ms} ms ` +
      `(to the first frame after it: median ${j.frame_median_ms} ms, max ${j.frame_max_ms} ms; the POST /moves alone: median ${j.post_median_ms} ms)` +
      (j.page_errors ? `; ${j.page_errors} page errors` : ""),
      j.max_ms <= 100 && !j.page_errors ? "met" : "**NOT MET**");
  ' "$what" "$app" "$(cat "$tmp/app_edit.err")"
}

# ---- slow clients ---------------------------------------------------------------
echo "serve.sh: 1,000 slow connections ..." >&2
sc="$(node "$here/bench/slow_clients.mjs" "$port" 1000)"

alive=yes
kill -0 "$pid" 2>/dev/null || alive=no

# ---- the section ------------------------------------------------------------------
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? "met" : "**NOT MET**" }'; }
rt_med="$(jq_ "$rt" median_ms)"; rt_p95="$(jq_ "$rt" p95_ms)"; rt_max="$(jq_ "$rt" max_ms)"
h_p99="$(jq_ "$sc" health.p99_ms)"; h_max="$(jq_ "$sc" health.max_ms)"; h_med="$(jq_ "$sc" health.median_ms)"; h_err="$(jq_ "$sc" health.errors)"
g_p99="$(jq_ "$sc" geojson.p99_ms)"; g_max="$(jq_ "$sc" geojson.max_ms)"; g_med="$(jq_ "$sc" geojson.median_ms)"; g_err="$(jq_ "$sc" geojson.errors)"
wrk_ok="$(verdict "$p99" 50)"; [ "$wrk_err" -eq 0 ] || wrk_ok="**NOT MET**"
h_ok="$(verdict "$h_max" 100)"; [ "$h_err" -eq 0 ] || h_ok="**NOT MET**"
rt_ok="$(verdict "$rt_max" 100)"
u_max="$(jq_ "$sc" until_cut.max_ms)"; u_err="$(jq_ "$sc" until_cut.errors)"
u_ok="$(verdict "$u_max" 100)"; [ "$u_err" -eq 0 ] || u_ok="**NOT MET**"
[ "$(jq_ "$sc" still_open)" -eq 0 ] || u_ok="**NOT MET**"
th_s="$(jq_ "$sc" header_trickle.s)"; tb_s="$(jq_ "$sc" body_trickle.s)"
t_ok="$(verdict "$th_s" 30.5)"; [ "$(verdict "$tb_s" 30.5)" = met ] || t_ok="**NOT MET**"
[ "$(jq_ "$sc" header_trickle.status408)" = true ] && [ "$(jq_ "$sc" body_trickle.status408)" = true ] || t_ok="**NOT MET**"

body() {
  echo "Machine: $(nproc) cores (nproc) of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo "Server: \`regio serve --db sample.db --port 0 --quiet\` (default threads and limits) from \`$build\`, on the"
  echo "sample market of tools/run_sample.sh ($units units, 25 territories, model \`$model\`); the load"
  echo "generators run on the same machine. The territories GeoJSON is $geo_bytes bytes (cache warmed by one GET first)."
  echo
  echo "| measurement | result | target | |"
  echo "|---|---|---|---|"
  echo "| \`wrk -t2 -c50 -d$duration --latency /api/v1/territories.geojson\` | $rps requests/s ($total_req requests); p50 $p50 ms, p90 $p90 ms, p99 $p99 ms; errors $wrk_err (non-2xx $non2xx, socket $sockerr) | 0 errors, p99 <= 50 ms | $wrk_ok |"
  echo "| edit round trip: $(jq_ "$rt" n) moves of unit $(jq_ "$rt" unit) between $(jq_ "$rt" from) and $(jq_ "$rt" to), balance read from the answer | median $rt_med ms, p95 $rt_p95 ms, max $rt_max ms | every one <= 100 ms | $rt_ok |"
  echo "| the same move + GET of the territories GeoJSON (the app's next request), $(jq_ "$rt" geo_n) times | median $(jq_ "$rt" geo_median_ms) ms, p95 $(jq_ "$rt" geo_p95_ms) ms, max $(jq_ "$rt" geo_max_ms) ms | – | |"
  app_row
  echo "| 100 GETs of /api/v1/health (fresh connection each) while 1,000 connections trickle ($(jq_ "$sc" open_at_end) still open at the end) | median $h_med ms, p99 $h_p99 ms, max $h_max ms; errors $h_err | max <= 100 ms | $h_ok |"
  echo "| 20 GETs of /api/v1/territories.geojson during the same trickle | median $g_med ms, p99 $g_p99 ms, max $g_max ms; errors $g_err | – | |"
  echo "| then GETs of /api/v1/health every 50 ms until the request deadline (30 s) had cut all 1,000 slow connections (all cut $(jq_ "$sc" all_cut_s) s after they began to open, $(jq_ "$sc" got408) of them with a 408; $(jq_ "$sc" still_open) left open) | $(jq_ "$sc" until_cut.n) GETs: median $(jq_ "$sc" until_cut.median_ms) ms, p99 $(jq_ "$sc" until_cut.p99_ms) ms, max $u_max ms; errors $u_err | max <= 100 ms, none left open | $u_ok |"
  echo "| a client trickling a header one byte every 2 s; one sending a body at 10 bytes/s (default \`--request-deadline\` 30 s) | cut after $th_s s (408: $(jq_ "$sc" header_trickle.status408)) and $tb_s s (408: $(jq_ "$sc" body_trickle.status408)) | cut with a 408 at the deadline | $t_ok |"
  echo
  if awk -v l="${load_start%% *}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n + 0) }'; then
    echo "The load average at the start exceeded the $(nproc) cores: other work competed for the CPU, so the"
    echo "tail latencies (p99, max) are not the server's alone. Re-run on a quiet machine before judging them."
    echo
  fi
  echo "The server was $( [ "$alive" = yes ] && echo "still running" || echo "**no longer running**") after the runs. Commands:"
  echo
  echo '```'
  echo "wrk -t2 -c50 -d$duration --latency http://127.0.0.1:PORT/api/v1/territories.geojson"
  echo "node bench/serve_roundtrip.mjs http://127.0.0.1:PORT/api/v1 $model $roundtrips"
  echo "node bench/app_edit.mjs http://127.0.0.1:PORT/api/v1 $model $appedits"
  echo "node bench/slow_clients.mjs PORT 1000"
  echo '```'
}

section="$(body)"
echo "$section"
mkdir -p "$here/bench/out"
{
  echo "## HTTP server (bench/serve.sh)"
  echo
  echo "Measured $started, load average $load_start at the start."
  echo
  echo "$section"
  echo
} > "$here/bench/out/serve.md.$$" && mv "$here/bench/out/serve.md.$$" "$here/bench/out/serve.md"
echo "serve.sh: wrote $here/bench/out/serve.md" >&2
