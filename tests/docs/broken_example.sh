#!/usr/bin/env bash
# Shows that tests/docs/run_examples.sh fails when an example stops working
# (CTest: docs.broken_example):
#   1. README.md with one command broken: the runner exits non-zero and names
#      the file, the line and the command;
#   2. small documents for each rule of the runner: output shown after `$ `
#      is checked (`…` matches any text), exit statuses other than 0 only
#      with `doc-test: exit`, the skip and illustrative markers, an unknown
#      marker is an error, and a file's blocks share one shell and one store.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${REGIO_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
runner=$here/run_examples.sh
: "${REGIO_BIN:?REGIO_BIN not set}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAILED: $1"; sed 's/^/    /' "$tmp/out"; fail=$((fail + 1)); }
run() { bash "$runner" "$@" >"$tmp/out" 2>&1; }

# ---- 1. a broken command in a copy of the README ---------------------------
broken='regio import reps data/sample/no-such-reps.csv'
sed 's|^regio import reps data/sample/reps.csv$|'"$broken"'|' "$SRC/README.md" >"$tmp/README.md"
line=$(grep -n -F -x "$broken" "$tmp/README.md" | cut -d: -f1)
if [ -z "$line" ]; then
  echo "FAILED: README.md has no line 'regio import reps data/sample/reps.csv' to break"; exit 1
fi
if run "$tmp/README.md"; then
  bad "the runner passed a README whose line $line is broken"
elif grep -q -F "README.md:$line: FAILED: exit 1 (expected 0): $broken" "$tmp/out" &&
     grep -q -F "README.md: FAILED after" "$tmp/out"; then
  ok "a broken README command fails the run, naming README.md:$line and the command"
else
  bad "the failure does not name README.md:$line and the command"
fi

# ---- 2. the runner's rules on small documents -------------------------------
# expect_pass NAME / expect_fail NAME PATTERN: run doc $tmp/NAME.md
expect_pass() {
  if run "$tmp/$1.md"; then ok "$1 passes"; else bad "$1 should pass"; fi
}
expect_fail() {
  if run "$tmp/$1.md"; then bad "$1 should fail"
  elif grep -q -F -- "$2" "$tmp/out"; then ok "$1 fails: $2"
  else bad "$1 failed without '$2'"; fi
}
fence='```'

cat >"$tmp/good.md" <<EOF
# A document whose examples hold

${fence}sh
export GREETING=hello
cd data && cd ..   # the data/ of the repository is at hand
test -r data/sample/accounts.csv
regio summary > summary.txt
false   # doc-test: skip (a line that cannot run in a test)
bash -c 'exit 7'   # doc-test: exit 0,7
${fence}

Output is checked; the shell, its variables and the store carry over:

${fence}sh
\$ echo "\$GREETING, world"
hello, world
\$ grep -c . summary.txt
5
\$ regio summary
market in …/regio.db
accounts: 0 (…)
…
territory models: 0, territories: 0
\$ printf 'a [b] *c* (d)\n'   # characters that mean something in a glob
a [b] *c* (d)
\$ regio import accounts data/no-such-file.csv   # doc-test: exit 1
regio: …no-such-file.csv…
${fence}

<!-- doc-test: illustrative a shape, not a path to walk -->
${fence}sh
regio import accounts YOUR_FILE.csv
${fence}

<!-- doc-test: skip needs a server -->
${fence}sh
regio serve
${fence}

${fence}
false   # a block that is not sh is not run
${fence}
EOF
expect_pass good
grep -q -F 'good.md: 10 commands passed, 2 skipped, 1 illustrative' "$tmp/out" ||
  bad "good.md: the counts are not 10 passed, 2 skipped, 1 illustrative"

printf '# x\n\n%ssh\n$ echo one\ntwo\n%s\n' "$fence" "$fence" >"$tmp/wrong_output.md"
expect_fail wrong_output "wrong_output.md:4: FAILED: the output is not the one the doc shows: echo one"

printf '# x\n\n%ssh\ntrue\nfalse\necho never\n%s\n' "$fence" "$fence" >"$tmp/exit1.md"
expect_fail exit1 "exit1.md:5: FAILED: exit 1 (expected 0): false"
grep -q 'echo never' "$tmp/out" && bad "exit1.md: a command after the failure ran"

printf '# x\n\n%ssh\nbash -c "exit 3"   # doc-test: exit 0,1\n%s\n' "$fence" "$fence" >"$tmp/exit3.md"
expect_fail exit3 "exit3.md:4: FAILED: exit 3 (expected 0 or 1)"

printf '# x\n\n%ssh\ntrue   # doc-test: skp\n%s\n' "$fence" "$fence" >"$tmp/typo.md"
expect_fail typo "typo.md:4: unknown marker 'doc-test: skp'"

printf '# x\n\n%ssh\n$ echo a\na\nb\n%s\n' "$fence" "$fence" >"$tmp/short_output.md"
expect_fail short_output "short_output.md:4: FAILED: the output is not the one the doc shows"

printf '# x\n\n%ssh\ntrue\nexit 4\n%s\n' "$fence" "$fence" >"$tmp/exit_shell.md"
expect_fail exit_shell "exit_shell.md:5: FAILED: the shell ended with status 4 during: exit 4"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
