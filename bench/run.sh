#!/usr/bin/env bash
# `make bench`: runs the benchmarks and writes docs/BENCHMARKS.md.
#   bench/run.sh BUILD_DIR [PART...]
# PARTs: import design design_compare tsp vrptw plan serve access rules perf
# crash backup migrate (default: all). Each
# part's table is kept in bench/out/PART.md; the page is assembled from all
# the tables there, so parts can be re-run one at a time. Parts that need
# ../shared/data say so and are skipped when it is absent.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-build}" && pwd)"
shift || true
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(import design design_compare tsp vrptw plan serve access rules perf crash backup migrate)
export REGIO_SHARED_DATA="${REGIO_SHARED_DATA:-$here/../shared/data}"
outdir="$here/bench/out"
mkdir -p "$outdir"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
machine="$(nproc) cores of $cpu, $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")"

title() {
  case $1 in
    import) echo "Import" ;;
    design) echo "Territory design" ;;
    design_compare) echo "Design against METIS and weighted k-means" ;;
    tsp) echo "TSP (TSPLIB)" ;;
    vrptw) echo "VRPTW (Solomon, Gehring–Homberger)" ;;
    plan) echo "Call-cycle planning" ;;
    serve) echo "HTTP server" ;;
    access) echo "Access" ;;
    rules) echo "Assignment rules" ;;
    perf) echo "Goals and results" ;;
    crash) echo "Crash safety" ;;
    backup) echo "Backups under a write load" ;;
    migrate) echo "Moving a store" ;;
    *) echo "$1" ;;
  esac
}

for part in "${parts[@]}"; do
  script="$here/bench/$part.sh"
  [ -f "$script" ] || { echo "no benchmark $part" >&2; continue; }
  echo "running $part ..." >&2
  {
    echo "## $(title "$part") (bench/$part.sh)"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start."
    echo
    case $part in
      design|tsp|vrptw)
        if [ ! -d "$REGIO_SHARED_DATA" ]; then
          echo "Skipped: benchmark data not found at $REGIO_SHARED_DATA."
          echo
          continue
        fi ;;
    esac
    start=$(date +%s)
    bash "$script" "$build" 2>/dev/null || echo "(failed: run bench/$part.sh by hand)"
    echo
    echo "Wall time of the section: $(( $(date +%s) - start )) s."
    echo
  } > "$outdir/$part.md.tmp" && mv "$outdir/$part.md.tmp" "$outdir/$part.md"
done

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` on $machine. Each section names the script"
  echo "that produced it (\`bench/run.sh BUILD PART\` re-runs one). Quality"
  echo "figures use the definitions of docs/METRICS.md; seconds are wall"
  echo "clock, so the load average at the start of each section is given."
  echo
  [ -f "$here/bench/NOTES.md" ] && { cat "$here/bench/NOTES.md"; echo; }
  for part in import design design_compare tsp vrptw plan serve access rules crash backup migrate; do
    [ -f "$outdir/$part.md" ] && cat "$outdir/$part.md"
  done
} > "$here/docs/BENCHMARKS.md"
echo "wrote $here/docs/BENCHMARKS.md" >&2
