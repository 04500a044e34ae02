# Sourced by the benchmarks of tests/store (crash.sh, backup.sh) with $here
# and $build set and a name as $1: checks that $build/regio exists, makes
# $tmp (removed on exit) and a copy of the binary in it, so that a rebuild
# during the run does not pull it away, and exports what the harnesses
# read (REGIO_BIN, REGIO_SOURCE_DIR, REGIO_BUILD_DIR).
[ -x "$build/regio" ] || { echo "$1.sh: $build/regio not found (build the regio target)" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/regio-bench-$1.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$build/regio" "$tmp/regio"
export REGIO_BIN="$tmp/regio" REGIO_SOURCE_DIR="$here" REGIO_BUILD_DIR="$build"
