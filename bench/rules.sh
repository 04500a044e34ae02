#!/usr/bin/env bash
# Rule-run benchmark (issue 12): 1,000,000 accounts and a model of 10,000
# territories with 3 assignment rules each (30,000 rules), built by
# bench_rules through the library API (bench/bench_rules.c says what it
# holds), then `regio rules run` timed:
#   - the first run (every rule association is new: the worst case),
#   - the same run again (nothing to change),
#   - a run after 100 leaf rules were rewritten,
#   - a dry run on the first state.
# Each is the wall clock of the whole command, its CPU time and its peak
# resident memory (/usr/bin/time). Prints the Markdown section body on
# stdout (the bench/run.sh protocol) and, for runs by hand, writes the
# whole section, titled "## Assignment rules", to bench/out/rules.md.
#
#   bench/rules.sh [BUILD_DIR]
#
# BUILD_DIR holds regio and bench_rules (default: build). The store is
# generated once into $BENCH_WORK (default bench/out/rules) and kept while
# the generator's version and SEED (default 2026) are the same (about
# 15 s, 220 MB); every measured run starts from a copy of it.
#
# Targets: the run over 1,000,000 accounts and 10,000 territories with 3
# rules each in <= 30 s, peak memory <= 2 GB.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
bin="$build/regio"
gen="$build/bench_rules"
seed="${SEED:-2026}"
work="${BENCH_WORK:-$here/bench/out/rules}"
for x in "$bin" "$gen"; do
  [ -x "$x" ] || { echo "rules.sh: $x not found (build the regio and bench_rules targets)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "rules.sh: /usr/bin/time not found (Debian package time)" >&2; exit 1; }
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
mkdir -p "$work"
tmp="$(mktemp -d "${TMPDIR:-$work}/regio-bench-rules.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# ---- the store (cached by generator version and seed) ----------------------------
version="$("$gen" version)"
db="$work/rules-v$version-s$seed.db"
info="$work/rules-v$version-s$seed.tsv"
cached=yes
if [ ! -s "$db" ] || [ ! -s "$info" ] || ! grep -q '^step	total' "$info"; then
  cached=no
  rm -f "$work"/rules-v*.db "$work"/rules-v*.db-* "$work"/rules-v*.tsv
  echo "rules.sh: generating the store in $db (about 15 s) ..." >&2
  "$gen" build "$db" --seed "$seed" > "$info.tmp"
  mv "$info.tmp" "$info"
fi
get() { awk -F'\t' -v k="$1" '$1 == "info" && $2 == k { print $3 }' "$info"; }
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<< "$1"; } # 1000000 -> 1,000,000

# One timed run: "WALL CPU PEAK_MB ADDED REMOVED KEPT".
timed() {
  local out="$tmp/run.out"
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$bin" rules run --model bench "$@" > "$out"
  local added removed kept
  # "rule associations: A added, R removed, K kept; N after the run" (or
  # "to add", "to remove" for a dry run): the first three numbers.
  read -r added removed kept < <(grep -m1 'rule associations:' "$out" | tr -d ',' |
    grep -oE '[0-9]+' | head -3 | tr '\n' ' ')
  awk -v a="$added" -v r="$removed" -v k="$kept" '{ printf "%.2f %.2f %.0f %s %s %s\n", $1, $2 + $3, $4 / 1024, a, r, k }' "$tmp/time"
}
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? "met" : "**NOT MET**" }'; }

echo "rules.sh: first run ..." >&2
cp "$db" "$tmp/run.db"
read -r w1 c1 m1 a1 r1 k1 <<< "$(timed --db "$tmp/run.db")"
echo "rules.sh: again ..." >&2
read -r w2 c2 m2 a2 r2 k2 <<< "$(timed --db "$tmp/run.db")"
echo "rules.sh: after 100 rules changed ..." >&2
"$gen" change "$tmp/run.db" 100 --seed "$seed" > /dev/null
read -r w3 c3 m3 a3 r3 k3 <<< "$(timed --db "$tmp/run.db")"
echo "rules.sh: dry run ..." >&2
cp "$db" "$tmp/dry.db"
read -r w4 c4 m4 a4 r4 k4 <<< "$(timed --db "$tmp/dry.db" --dry-run)"
matched="$(sqlite3 "$tmp/run.db" "SELECT count(*) FROM account_territories WHERE cause = 'rule'" 2>/dev/null || echo "?")"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

body() {
  echo "$(commas "$(get accounts)") accounts, $(commas "$(get territories)") territories in a"
  echo "depth-6 hierarchy with $(commas "$(get rules)") rules (3 each; bench/bench_rules.c:"
  echo "ZIP-prefix and ZIP-list rules, industry, segment, tier and size overlays, rules"
  echo "inherited from the top two levels, 5 rules no index applies to), generator v$(get version),"
  echo "seed $(get seed) (store $( [ "$cached" = yes ] && echo "reused" || echo "built in $(awk -F'\t' '$1 == "step" && $2 == "total" { print $4 }' "$info") s")). Started $started, load"
  echo "average $load_start at the start and $load_end at the end; wall clock of the whole"
  echo "\`regio rules run\` command, CPU = user + system, peak = maximum resident memory."
  echo
  echo "| run | added | removed | kept | wall s | CPU s | peak MB | target (30 s, 2 GB) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  echo "| first run (every association new) | $(commas "$a1") | $(commas "$r1") | $(commas "$k1") | $w1 | $c1 | $m1 | $(verdict "$w1" 30), $(verdict "$m1" 2048) |"
  echo "| the same run again | $(commas "$a2") | $(commas "$r2") | $(commas "$k2") | $w2 | $c2 | $m2 | $(verdict "$w2" 30), $(verdict "$m2" 2048) |"
  echo "| after 100 leaf rules changed | $(commas "$a3") | $(commas "$r3") | $(commas "$k3") | $w3 | $c3 | $m3 | $(verdict "$w3" 30), $(verdict "$m3" 2048) |"
  echo "| dry run of the first | $(commas "$a4") | $(commas "$r4") | $(commas "$k4") | $w4 | $c4 | $m4 | $(verdict "$w4" 30), $(verdict "$m4" 2048) |"
  echo
  echo "$(commas "$matched") rule associations after the runs ($(awk -v m="$matched" -v a="$(get accounts)" 'BEGIN { printf "%.1f", m / a }') an account)."
}
body | tee "$tmp/body.md"
{
  echo "## Assignment rules (bench/rules.sh)"
  echo
  cat "$tmp/body.md"
} > "$here/bench/out/rules.md"
