#!/usr/bin/env bash
# tools/check_deps.sh catches what it should: on a copy of src, include and
# tools it passes untouched, then fails naming exactly the violations
# planted in the copy (one per include rule), and on stand-in libregio.so
# files built from the headers' REGIO_API names it catches a regio__
# export, a missing export and an undeclared one. Prints "N passed, N failed".
set -uo pipefail
src=${REGIO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAILED: $1"; }

tree="$tmp/tree"
mkdir -p "$tree"
cp -R "$src/src" "$src/include" "$src/tools" "$tree/"
check() { bash "$tree/tools/check_deps.sh" "$@" 2>/dev/null; }

# ---- the include rules: untouched copy passes --------------------------------
out=$(check "")
rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then ok "untouched copy: exit 0"
else ko "untouched copy: exit $rc (want 0)"; printf '%s\n' "$out"; fi

# ---- planted violations, each on line 1 of its file --------------------------
plant() { sed -i "1i $2" "$tree/$1"; }
plant src/server/api_data.c   '#include "store/store_impl.h"'
plant src/cli/cmd_plan.c      '#include "lib/core/grow.h"'
plant src/server/render.c     '#include <design/design_internal.h>'
plant src/lib/design/balance.c '#include "regio/store.h"'
plant src/lib/plan/measure.c  '#include "regio/export.h"'
plant src/lib/route/tsp.c     '#include "server/http.h"'
plant include/regio/dist.h    '#include "geo/geo_internal.h"'
want='include/regio/dist.h:1: public-header
src/cli/cmd_plan.c:1: shell-private
src/lib/design/balance.c:1: engine-store
src/lib/plan/measure.c:1: engine-store
src/lib/route/tsp.c:1: lib-shell
src/server/api_data.c:1: shell-private
src/server/render.c:1: shell-private'
out=$(check "")
rc=$?
got=$(printf '%s\n' "$out" | awk -F': ' 'NF >= 3 { print $1 ": " $2 }' | LC_ALL=C sort)
if [ "$rc" = 1 ]; then ok "planted copy: exit 1"; else ko "planted copy: exit $rc (want 1)"; fi
if [ "$got" = "$want" ]; then ok "planted copy: names the 7 planted includes and nothing else"
else ko "planted copy: violations differ"; diff <(echo "$want") <(echo "$got"); printf '%s\n' "$out"; fi
# The transitive case says how it reaches the store.
if printf '%s\n' "$out" | grep -q '^src/lib/plan/measure.c:1: engine-store: .*include/regio/export.h -> include/regio/store.h'
then ok "transitive include names its chain"; else ko "transitive include names its chain"; fi

# ---- libregio.so's exports, on stand-ins -------------------------------------
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null || ! command -v nm >/dev/null; then
  echo "skip: no $cc or nm for the export checks"
else
  rm -rf "$tree"; mkdir -p "$tree"
  cp -R "$src/src" "$src/include" "$src/tools" "$tree/"
  # Builds $tmp/NAME/libregio.so defining a stub for each name given.
  fake() {
    local d="$tmp/$1"; shift
    mkdir -p "$d"
    printf 'void %s(void) {}\n' "$@" > "$d/stubs.c"
    "$cc" -w -shared -fPIC -o "$d/libregio.so" "$d/stubs.c"
  }
  # With only an undeclared export, every REGIO_API name is reported missing.
  fake only_extra regio_planted_extra
  out=$(check "$tmp/only_extra")
  mapfile -t api < <(printf '%s\n' "$out" | sed -n 's/.*: exports-missing: \([A-Za-z0-9_]*\) .*/\1/p')
  if [ "${#api[@]}" -gt 50 ]; then ok "empty stand-in: ${#api[@]} REGIO_API functions reported missing"
  else ko "empty stand-in: only ${#api[@]} REGIO_API functions reported missing"; fi

  fake all "${api[@]}"
  out=$(check "$tmp/all"); rc=$?
  if [ "$rc" = 0 ]; then ok "stand-in exporting exactly the API: exit 0"
  else ko "stand-in exporting exactly the API: exit $rc"; printf '%s\n' "$out"; fi

  drop=${api[0]}
  fake planted "${api[@]:1}" regio__planted regio_planted_extra
  out=$(check "$tmp/planted"); rc=$?
  got=$(printf '%s\n' "$out" | awk -F': ' '{ print $2 ": " $3 }' | LC_ALL=C sort)
  want="exports-missing: $drop is declared REGIO_API but libregio.so does not export it
exports-private: libregio.so exports regio__planted
exports-undeclared: libregio.so exports regio_planted_extra, which no include/regio header declares REGIO_API"
  if [ "$rc" = 1 ] && [ "$got" = "$want" ]; then ok "planted exports: exit 1, the three named"
  else ko "planted exports: exit $rc"; diff <(echo "$want") <(echo "$got"); fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
