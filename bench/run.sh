#!/usr/bin/env bash
# `make bench`: runs every benchmark and writes docs/BENCHMARKS.md. The
# routing and design benchmarks read ../shared/data; when it is absent they
# are skipped (and the page says so).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-build}" && pwd)"
export REGIO_SHARED_DATA="${REGIO_SHARED_DATA:-$here/../shared/data}"
out="$here/docs/BENCHMARKS.md"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` ($(date -u +%Y-%m-%d)) on $(nproc) cores of $cpu,"
  echo "$(free -g | awk '/Mem:/ {print $2}') GB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")."
  echo "Reproduce with \`make bench\`; each section names the script it comes from."
  echo "Quality figures use the definitions of shared/docs/METRICS.md."
  echo
  echo "## Import (bench/import.sh)"
  echo
  bash "$here/bench/import.sh" "$build" 2>&1
  echo
  echo "Target: 1,000,000 accounts in at most 20 s with at most 1 GB peak memory."
  for part in design design_compare tsp vrptw plan; do
    [ -f "$here/bench/$part.sh" ] || continue
    echo
    case $part in design) title="Territory design";; design_compare) title="Design against METIS and k-means";; tsp) title="TSP (TSPLIB)";; vrptw) title="VRPTW (Solomon, Gehring-Homberger)";; plan) title="Call-cycle planning";; *) title=$part;; esac
    echo "## $title (bench/$part.sh)"
    echo
    if [ ! -d "$REGIO_SHARED_DATA" ] && [ "$part" != plan ] && [ "$part" != design_compare ]; then
      echo "Skipped: benchmark data not found at $REGIO_SHARED_DATA."
      continue
    fi
    bash "$here/bench/$part.sh" "$build" 2>/dev/null || echo "(failed: run bench/$part.sh by hand)"
  done
} > "$tmp"
cp "$tmp" "$out"
echo "wrote $out"
