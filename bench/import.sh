#!/usr/bin/env bash
# Import benchmark: 1,000,000 generated accounts (10% without coordinates,
# geocoded by ZIP) through `regio import accounts`; wall time and peak RSS
# of the importing process. Prints a markdown table.
#   bench/import.sh [BUILD_DIR] [N]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
n="${2:-1000000}"
work="${BENCH_WORK:-$here/bench/out}"
mkdir -p "$work"
echo "| benchmark | rows | seconds | peak RSS MB | rows/s |"
echo "|---|---:|---:|---:|---:|"
REGIO_GAZETTEER="$here/share/gazetteer.tsv" "$build/bench_import" "$build/regio" "$n" "$work"
