#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (BUILD/fuzz_NAME, from
# cmake -DREGIO_FUZZ=ON, which `make fuzz` configures) for FUZZ_SECONDS
# (default 60) each. Usage: fuzz/run.sh [BUILD]   (BUILD defaults to build-fuzz)
#
# Each target starts from a copy of fuzz/corpus/NAME in a temporary folder
# (new inputs never land in the committed corpus) with fuzz/dict/NAME.dict
# when there is one, and prints one summary line: executions, rate, corpus
# growth, and the coverage reached (libFuzzer's cov: edges and ft: features
# of its last status line). A crash, leak, timeout or out-of-memory input is
# minimised (libFuzzer's -minimize_crash, up to FUZZ_MINIMIZE_SECONDS, default
# 30) and copied to fuzz/regressions/NAME/, where the CTest replay test
# fuzz.fuzz_NAME.regressions picks it up; the script then exits 1 (after
# running the remaining targets).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
# Per-input limits: an input slower than this is reported as a timeout.
timeout=${FUZZ_TIMEOUT:-20}
minimize=${FUZZ_MINIMIZE_SECONDS:-30}
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
  # The last status line ("#N DONE cov: 1234 ft: 5678 corp: ...").
  last=$(grep -E '^#[0-9]+.* cov: ' "$dir/log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
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
      for f in "${found[@]}"; do
        # A crash made as small as libFuzzer can in the time given (the
        # original is kept when minimising fails or finds nothing smaller).
        case $(basename "$f") in
          crash-* | leak-*)
            "$bin" -minimize_crash=1 -max_total_time="$minimize" -timeout="$timeout" \
              -exact_artifact_path="$f.min" "$f" > "$dir/minimize.log" 2>&1
            # (wc, not stat: stat is the log reader above)
            if [ -s "$f.min" ] && [ "$(wc -c < "$f.min")" -lt "$(wc -c < "$f")" ]; then
              mv "$f.min" "$f"
            fi ;;
        esac
        cp "$f" "$here/regressions/$name/"
      done
      verdict="$verdict: ${#found[@]} input(s) saved to fuzz/regressions/$name/:"
      for f in "${found[@]}"; do verdict="$verdict $(basename "$f")"; done
    fi
  fi
  printf '%s: %s execs in %s s (%s/s), cov %s ft %s, corpus %s -> %s (+%s new), peak RSS %s MB, %s\n' \
    "$target" "${execs:-?}" "$took" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$seeds" "$units" "${added:-?}" \
    "${rss:-?}" "$verdict"
  if [ "$verdict" != ok ]; then
    echo "--- last lines of $target's log:"
    grep -v '^#[0-9]' "$dir/log" | tail -n 30
    echo "---"
  fi
done
exit "$failed"
