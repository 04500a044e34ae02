#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (BUILD/fuzz_NAME, from
# cmake -DREGIO_FUZZ=ON, which `make fuzz` configures) for FUZZ_SECONDS
# (default 60) each. Usage: fuzz/run.sh [BUILD]   (BUILD defaults to build-fuzz)
#
# Each target starts from a copy of fuzz/corpus/NAME in a temporary folder
# (new inputs never land in the committed corpus) with fuzz/dict/NAME.dict
# when there is one, and prints one summary line. A crash, leak, timeout or
# out-of-memory input is copied to fuzz/regressions/NAME/, where the CTest
# replay test fuzz.fuzz_NAME.regressions picks it up; the script then exits 1
# (after running the remaining targets).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
# Per-input limits: an input slower than this is reported as a timeout.
timeout=${FUZZ_TIMEOUT:-20}
case $seconds in '' | *[!0-9]*) echo "fuzz/run.sh: FUZZ_SECONDS must be a whole number" >&2; exit 2 ;; esac

targets=()
for bin in "$build"/fuzz_*; do
  case $bin in *_replay) continue ;; esac
  [ -f "$bin" ] && [ -x "$bin" ] && targets+=("$bin")
done
if [ ${#targets[@]} = 0 ]; then
  echo "fuzz/run.sh: no fuzz_* targets in $build (configure with -DCMAKE_C_COMPILER=clang -DREGIO_FUZZ=ON)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for bin in "${targets[@]}"; do
  target=$(basename "$bin")
  name=${target#fuzz_}
  dir="$work/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  seeds=0
  if [ -d "$here/corpus/$name" ]; then
    cp -R "$here/corpus/$name/." "$dir/corpus/"
    seeds=$(find "$dir/corpus" -type f | wc -l)
  fi
  args=(-max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
  [ -f "$here/dict/$name.dict" ] && args+=(-dict="$here/dict/$name.dict")

  start=$SECONDS
  "$bin" "${args[@]}" "$dir/corpus" > "$dir/log" 2>&1
  rc=$?
  took=$((SECONDS - start))

  stat() { sed -n "s/^stat::$1: *//p" "$dir/log" | tail -n 1; }
  execs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  added=$(stat new_units_added)
  rss=$(stat peak_rss_mb)
  units=$(find "$dir/corpus" -type f | wc -l)
  # Findings are the artifacts libFuzzer writes (slow-unit-* is only a note).
  mapfile -t found < <(find "$dir/artifacts" -type f \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  if [ "$rc" = 0 ] && [ ${#found[@]} = 0 ]; then
    verdict=ok
  else
    failed=1
    verdict="FAILED (exit $rc)"
    if [ ${#found[@]} -gt 0 ]; then
      mkdir -p "$here/regressions/$name"
      cp "${found[@]}" "$here/regressions/$name/"
      verdict="$verdict: ${#found[@]} input(s) saved to fuzz/regressions/$name/:"
      for f in "${found[@]}"; do verdict="$verdict $(basename "$f")"; done
    fi
  fi
  printf '%s: %s execs in %s s (%s/s), corpus %s -> %s (+%s new), peak RSS %s MB, %s\n' \
    "$target" "${execs:-?}" "$took" "${rate:-?}" "$seeds" "$units" "${added:-?}" "${rss:-?}" "$verdict"
  if [ "$verdict" != ok ]; then
    echo "--- last lines of $target's log:"
    grep -v '^#[0-9]' "$dir/log" | tail -n 30
    echo "---"
  fi
done
exit "$failed"
