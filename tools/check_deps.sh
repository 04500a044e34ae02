#!/usr/bin/env bash
# Checks Regio's dependency rules on the source tree (and, given a build
# directory, on libregio.so's exports). Usage:
#
#   tools/check_deps.sh [BUILD_DIR]      BUILD_DIR defaults to $REGIO_BUILD_DIR;
#                                        without either, only the include rules run
#
# Prints each violation as `file:line: rule: what` and exits 1 when there is
# any (2 on a usage or setup error, 0 when clean). The rules and why:
#
#  engine-store   No file of libregio other than the store itself (every
#                 directory of src/lib except src/lib/store: today assign,
#                 core, design, geo, io, model, plan, route) includes the
#                 store: "regio/store.h", "store/..." or a header that leads
#                 to one of them (regio/assign.h, regio/import.h, ... include
#                 regio/store.h, so the rule follows includes transitively).
#                 Why: the optimisation engines (design, route, plan's
#                 solver, geo) work on plain arrays and must stay usable,
#                 testable and benchmarkable without a database. The files
#                 whose job is to bridge engines and the store are listed in
#                 EXCEPTIONS below, each with its reason.
#  lib-shell      Nothing in src/lib includes from src/cli or src/server.
#                 Why: the library must not know its shells; the dependency
#                 points one way only.
#  shell-private  Files of the shells (src/cli, src/server) include only the
#                 public headers ("regio/..." that exist in include/regio),
#                 their own headers ("cli/...", "server/...") and system
#                 headers; nothing under src/lib ("lib/...", "core/...",
#                 "io/...", "store/...", any *_internal.h or *_impl.h).
#                 Why: the shells are thin; whatever they need from the
#                 library is public API, so it is visible, exported and kept.
#  public-header  include/regio/*.h include only other public headers
#                 ("regio/..." that exist) and system headers. Why: an
#                 installed header that includes a private one cannot compile
#                 outside this tree.
#  exports-private  (with a build dir) libregio.so exports no `regio__`
#                 symbol: the double underscore marks library-private names.
#  exports-missing  (with a build dir) every function declared REGIO_API in
#                 include/regio is exported by libregio.so. Why: a public
#                 declaration without an exported definition links in-tree
#                 against libregio.a and fails for users of the .so.
#  exports-undeclared  (with a build dir) and libregio.so exports nothing
#                 else (names starting with "_" belong to the toolchain):
#                 the public headers are the whole ABI.
#
# Only `#include` lines are read (no preprocessing): an include under
# `#if 0` still counts. Bash, grep, awk (mawk is enough) and nm (binutils).
set -euo pipefail

# Files allowed to depend on the store although they live outside
# src/lib/store, as "glob|reason". A glob that matches nothing is reported as
# a note (stale, or a file not written yet), never as a failure.
EXCEPTIONS=(
  "src/lib/design/design_io*|the design problem loader (design_io.c, design_io_internal.h): from files or from the store (spec->store: units through design_store*.c, stored models' alignments through regio_store_alignment_foreach); the bridge between the design engine's input and the store"
  "src/lib/design/design_store*.c|the store half of the design problem loader: a problem's units, attributes, geometry and adjacency read from the store"
  "src/lib/design/design_write.c|writes a design's alignment and report and uses no store function, but includes regio/design_io.h, whose regio_design_spec carries a regio_store (and whose regio/import.h includes regio/store.h too)"
  "src/lib/io/import_records.c|import pipeline: reads account and rep files and writes them to the store"
  "src/lib/io/import_units.c|import pipeline: reads geography unit files and writes units and adjacency to the store"
  "src/lib/io/import_org.c|import pipeline: reads role, user, territory, membership and association files, compares them with what the store holds and writes the differences"
  "src/lib/io/export*|export (export.c, export_territories.c, export_internal.h): streams accounts, reps, units, adjacency and alignments out of the store as CSV or GeoJSON, and a model's territories (through regio_model_view) as GeoJSON, KML or Shapefile, and its hierarchy as CSV"
  "src/lib/assign/locate.c|a store pipeline step, not an engine: regio_assign_locate_accounts reads the store's units and accounts and writes each account's unit back"
  "src/lib/assign/locator.h|the store's units indexed for point queries (locate.c's locator), shared with the potential import"
  "src/lib/io/import_potential.c|import pipeline: reads a point layer, places the points through the store's units (assign/locator.h) and writes the per-unit sums as a unit measure"
  "src/lib/plan/plan_store*.c|the call plan of a territory of a stored model: its accounts and rep from the store (through regio_model_view), the solve by plan's solver, the plan saved in the store; the bridge between the plan solver and the store"
  "src/lib/plan/workload*|the workload loop on the store: every territory of a stored model planned through regio_territory_plan_*, the plans' work stored as a unit measure, and the realign rounds saved as a planning model (through regio_model_view); the bridge between plan, design and the store"
  "src/lib/model/view*|the loaded-model type (regio/model_view.h, view*.c and view_internal.h): reads a planning model, its alignment and account overrides from the store and edits them for the shells"
  "src/lib/access/*|access and sign-in (access.c, access_pairs.c, auth.c): load a snapshot of the organisation (users, roles, memberships, territories, account owners and associations) from the store and keep passwords, tokens and sessions in it; the rules of docs/ACCESS.md applied to what the store holds"
  "src/lib/perf/perf.c|the figures of goals and results (regio/perf.h): the promotion history, each model's territories and accounts, the sales lines, visits and quotas of a period, read from the store and credited; nothing else in libregio computes them"
  "src/lib/perf/perf_import.c|the sales, quota and activity imports (regio/perf.h): a file read through the table source into the store in one transaction"
  "src/lib/perf/quota.c|quota setting (regio/perf.h): a model's leaves and their figures read from the store, the monthly quotas written back in one transaction"
  "src/lib/perf/perf_store.h|the library-private store reads and writes of goals and results (behind store/perf_impl.h), included by the perf files above"
  "src/lib/perf/perf_trend.c|the monthly series of the performance charts (regio/perf_trend.h): regio_perf_compute once per month on the caller's store, and their JSON; no store function of its own"
  "src/lib/perf/checkin.c|the check-in page's day (regio/checkin.h): a user's reps from the organisation, their stops from the stored call plans, the visits logged that day and the activities read back, all from the store"
  "src/lib/perf/brief*.c|the territory brief (regio/brief.h): brief.c and brief_changes.c read a model and the previous one (through regio_model_view), the territory's accounts, sales, visits, members, stored call plan, promotions, challenges and audit log from the store and render one HTML page; the map (brief_map.c) and the page helpers (brief_page.c) use no store"
  "src/lib/challenge/*|reps challenge, managers decide (challenge.c, changes.c, member.c): compare a planning model with the model in force (through regio_model_view) for a member's territories, read who they are from the organisation in the store, and store challenges and their counter-moves"
  "src/lib/rules/rules_run*|the rule run (rules_run.c, rules_run.h): a model's territories and rules from the store compiled into the rule engine's matcher (matcher.c, which uses no store), every account streamed through it, the rule associations swapped in the store; the bridge between the rule engine and the store"
  "src/lib/rules/rules_edit.c|checks a rule against the fields the store's accounts have before storing it (regio_rule_save)"
  "src/lib/rules/rules_import.c|import pipeline: reads a rules file, checks it against the model's territories and the accounts' fields in the store, writes the rules that differ"
  "src/lib/rules/rules_export.c|export: streams a model's rules out of the store as the CSV the rules import reads"
  "src/lib/rules/types_import.c|import pipeline: reads territory types and writes them to the store"
  "src/lib/io/import_salesforce.c|import pipeline: reads a folder of regio export salesforce into the store in one transaction, each file through its import"
  "src/lib/rules/rules_salesforce*|import pipeline (rules_salesforce.c, rules_salesforce.h): the rule files of a Salesforce folder joined, checked against the model's territories and the accounts' fields in the store, and written there; the types import's variant it declares writes types"
  "src/lib/io/salesforce_map.c|Salesforce's rule fields and operations against Regio's; uses no store function, but the DeveloperName it makes (regio_sf_developer_name) is declared in regio/salesforce.h, which includes regio/store.h"
  "src/lib/rules/associations.c|reads every account's associations in a model (alignment, hand moves, rule and manual associations) from the store, and exports them"
  "src/lib/rules/owners.c|a store pipeline step: reads each account's associations, territory types and owner memberships, and writes each account's owner back"
  "src/lib/jobs/*|the job queue's work (design_job*.c, worker_loop.c): a claimed design or realign job's parameters checked against the store's units, the design run, the model saved and the job finished in one store transaction, and the worker loop that claims jobs from the store; the bridge between the design engine and the store's queue"
  "src/lib/model/names.c|the model-name rules, run by the store before it creates a model; uses no store function, but its public declaration (regio_model_name_problem) sits in regio/model_view.h, which includes regio/store.h"
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1-${REGIO_BUILD_DIR:-}}
cd "$root"
for d in src/lib include/regio; do
  [ -d "$d" ] || { echo "check_deps: $root has no $d" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every C source and header of the library, the shells and the public API,
# with a 1 when it is excepted from engine-store.
find src include -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort > "$tmp/all"
: > "$tmp/files"
while IFS= read -r f; do
  ex=0
  for e in "${EXCEPTIONS[@]}"; do
    # shellcheck disable=SC2053  # the exception is a glob on purpose
    if [[ $f == ${e%%|*} ]]; then ex=1; break; fi
  done
  printf '%s\t%s\n' "$f" "$ex" >> "$tmp/files"
done < "$tmp/all"
for e in "${EXCEPTIONS[@]}"; do
  pat=${e%%|*}
  hit=0
  while IFS= read -r f; do
    # shellcheck disable=SC2053
    if [[ $f == $pat ]]; then hit=1; break; fi
  done < "$tmp/all"
  [ "$hit" = 1 ] || echo "check_deps: note: exception $pat matches no file" >&2
done

# file:line:text of every #include line.
xargs -r grep -nH -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' < "$tmp/all" \
  > "$tmp/incs" || true

awk -F'\t' '
function dirname(p) { return (p ~ /\//) ? substr(p, 1, match(p, /\/[^\/]*$/) - 1) : "." }
function norm(p,   n, parts, out, i, k, o) {
  n = split(p, parts, "/"); k = 0
  for (i = 1; i <= n; i++) {
    if (parts[i] == "" || parts[i] == ".") continue
    if (parts[i] == ".." && k > 0 && out[k] != "..") { k--; continue }
    out[++k] = parts[i]
  }
  o = ""
  for (i = 1; i <= k; i++) o = o (i > 1 ? "/" : "") out[i]
  return o
}
function area(p) {
  if (p ~ /^src\/lib\//) return "lib"
  if (p ~ /^src\/(cli|server)\//) return "shell"
  if (p ~ /^include\//) return "pub"
  return "other"
}
# Where #include resolves, given the -I directories of the compilation the
# file takes part in (ctx): libregio (-Iinclude -Isrc/lib), the regio
# executable (-Isrc -Iinclude) or a public header on its own (-Iinclude).
function resolve(ctx, f, kind, x,   c) {
  if (kind == "q") { c = norm(dirname(f) "/" x); if (c in exists) return c }
  if (ctx == "shell") { c = norm("src/" x); if (c in exists) return c }
  c = norm("include/" x); if (c in exists) return c
  if (ctx == "lib") { c = norm("src/lib/" x); if (c in exists) return c }
  return ""
}
function is_store(p) { return p == "include/regio/store.h" || p ~ /^src\/lib\/store\// }
# The include chain from f to the store ("a -> b -> include/regio/store.h"),
# or "" when f does not lead to the store.
function chain(ctx, f,   key, i, r, c) {
  key = ctx SUBSEP f
  if (key in memo) return memo[key]
  memo[key] = ""                     # cycles lead nowhere
  for (i = 1; i <= ninc[f]; i++) {
    r = resolve(ctx, f, ikind[f, i], ix[f, i])
    if (r == "") continue
    if (is_store(r)) { memo[key] = r; return r }
    c = chain(ctx, r)
    if (c != "") { memo[key] = r " -> " c; return memo[key] }
  }
  return ""
}
# Names that point into the library rather than at a system header.
function looks_private(x,   top) {
  top = x; sub(/\/.*/, "", top)
  return (x ~ /\// && (top in libtop || top == "lib" || top == "src")) ||
         x ~ /(^|\/)\.\.(\/|$)/ || x ~ /_internal\.h$/ || x ~ /_impl\.h$/ ||
         (norm("src/lib/" x) in exists)
}
function out(f, l, rule, what) { printf "%s:%s: %s: %s\n", f, l, rule, what; bad++ }

FNR == NR {                           # the file list
  exists[$1] = 1; exempt[$1] = $2; order[++nfiles] = $1
  if ($1 ~ /^src\/lib\/[^\/]+\//) { t = $1; sub(/^src\/lib\//, "", t); sub(/\/.*/, "", t); libtop[t] = 1 }
  next
}
{                                     # file:line:#include ...
  line = $0
  f = line; sub(/:.*/, "", f); line = substr(line, length(f) + 2)
  l = line; sub(/:.*/, "", l); text = substr(line, length(l) + 2)
  if (!match(text, /[<"][^>"]*[>"]/)) next
  x = substr(text, RSTART + 1, RLENGTH - 2)
  n = ++ninc[f]
  ix[f, n] = x; iline[f, n] = l; ikind[f, n] = (substr(text, RSTART, 1) == "\"") ? "q" : "a"
}
END {
  bad = 0
  for (k = 1; k <= nfiles; k++) {
    f = order[k]; a = area(f)
    for (i = 1; i <= ninc[f]; i++) {
      x = ix[f, i]; l = iline[f, i]; kind = ikind[f, i]
      q = (kind == "q") ? "\"" x "\"" : "<" x ">"
      if (a == "lib") {
        nx = norm(dirname(f) "/" x)
        if (x ~ /^(cli|server)\// || x ~ /(^|\/)src\/(cli|server)\// || nx ~ /^src\/(cli|server)\//)
          out(f, l, "lib-shell", "includes " q " from the shells (src/cli, src/server)")
        if (f ~ /^src\/lib\/store\// || exempt[f]) continue
        r = resolve("lib", f, kind, x)
        if (x == "regio/store.h" || x ~ /^store\// || (r != "" && is_store(r)))
          out(f, l, "engine-store", "includes " q " (the store) outside src/lib/store")
        else if (r != "" && (c = chain("lib", r)) != "")
          out(f, l, "engine-store", "includes " q ", which leads to the store: " r " -> " c)
      } else if (a == "shell") {
        if (x ~ /^regio\// && x !~ /(^|\/)\.\.(\/|$)/) {
          if (!(("include/" x) in exists))
            out(f, l, "shell-private", "includes " q ", which is not a public header in include/regio")
        } else if (x ~ /^(cli|server)\// && x !~ /(^|\/)\.\.(\/|$)/) {
          # the shells own headers
        } else if (kind == "q" || looks_private(x))
          out(f, l, "shell-private", "includes " q ": a shell may include only public headers (regio/...), its own (cli/..., server/...) and system headers")
      } else if (a == "pub") {
        if (x ~ /^regio\/[^\/]+$/) {
          if (!(("include/" x) in exists))
            out(f, l, "public-header", "includes " q ", which is not a public header in include/regio")
        } else if (kind == "q" || looks_private(x) || x ~ /^(regio|cli|server)\//)
          out(f, l, "public-header", "includes " q ": a public header may include only regio/... and system headers")
      }
    }
  }
  exit (bad > 0)
}' "$tmp/files" "$tmp/incs" || status=$?
status=${status:-0}
[ "$status" -le 1 ] || { echo "check_deps: awk failed" >&2; exit 2; }

# ---- libregio.so's exports -----------------------------------------------
if [ -n "$build" ]; then
  so="$build/libregio.so"
  if [ ! -e "$so" ]; then
    echo "check_deps: $so not found (build the regio_shared target first)" >&2
    exit 2
  fi
  command -v nm >/dev/null || { echo "check_deps: nm not found (binutils)" >&2; exit 2; }
  nm -D --defined-only "$so" | awk 'NF >= 3 { s = $3; sub(/@.*/, "", s); print s }' \
    | LC_ALL=C sort -u > "$tmp/exported"
  [ -s "$tmp/exported" ] || { echo "check_deps: nm found no exports in $so" >&2; exit 2; }

  # Where a symbol is defined in src/lib (file:line), else the .so itself.
  where() {
    local at
    at=$(grep -rnE "^([A-Za-z_].*[^A-Za-z0-9_])?$1[[:space:]]*[(=;[]" src/lib --include='*.c' \
           | head -n 1 | cut -d: -f1,2 || true)
    echo "${at:-$so:1}"
  }
  while IFS= read -r sym; do
    echo "$(where "$sym"): exports-private: libregio.so exports $sym"
    status=1
  done < <(grep '^regio__' "$tmp/exported" || true)

  # Every REGIO_API declaration: file:line:name (the name is the last
  # identifier before "(", or before ";" / "[" / "=" for a variable).
  for h in include/regio/*.h; do
    awk -v f="$h" '
      /^[[:space:]]*REGIO_API[[:space:]]/ { decl = ""; start = FNR; on = 1 }
      on {
        decl = decl " " $0
        if (decl ~ /[(;]/) {
          s = decl; sub(/[(;=\[].*/, "", s); sub(/[[:space:]]+$/, "", s)
          n = split(s, w, /[^A-Za-z0-9_]+/)
          print f ":" start ":" w[n]
          on = 0
        }
      }' "$h"
  done > "$tmp/declared"
  while IFS=: read -r h l sym; do
    grep -qxF "$sym" "$tmp/exported" ||
      { echo "$h:$l: exports-missing: $sym is declared REGIO_API but libregio.so does not export it"; status=1; }
  done < "$tmp/declared"
  # The other way round: nothing leaves the .so that no public header
  # declares (names starting with "_" belong to the toolchain: _edata, ...).
  cut -d: -f3 "$tmp/declared" | LC_ALL=C sort -u > "$tmp/declared_names"
  while IFS= read -r sym; do
    echo "$(where "$sym"): exports-undeclared: libregio.so exports $sym, which no include/regio header declares REGIO_API"
    status=1
  done < <(grep -v -e '^_' -e '^regio__' "$tmp/exported" | LC_ALL=C comm -23 - "$tmp/declared_names")
fi

exit "$status"
