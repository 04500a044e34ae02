#!/usr/bin/env bash
# Runs the shell examples of the documentation and fails when one stops
# working (CTest: docs.examples).
#
#   tests/docs/run_examples.sh [--list] [--keep] [FILE.md ...]
#
# Without FILEs: README.md and docs/*.md of $REGIO_SOURCE_DIR (default: the
# repository this script is in). REGIO_BIN is the regio binary to test
# (required). REGIO_DOCS_TIMEOUT: seconds one file's examples may take
# (default 600). --list prints every command with its line and what the
# runner does with it, and runs nothing; --keep keeps the temporary folders.
#
# What runs
#   Every fenced block opened with ```sh (or ```bash). Each FILE gets a fresh
#   temporary folder that holds links to the repository's data/ and
#   node_modules/, so paths read as from the repository root
#   (data/sample/accounts.csv, node_modules/us-atlas/counties-10m.json); REGIO_DB
#   is a store in that folder and `regio` on the PATH is $REGIO_BIN. A file's
#   blocks run in document order in one shell, so a tour builds up: the
#   store, the files a command writes, `export` and `cd` carry over to the
#   next command and the next block. Standard input is /dev/null. A
#   background job an example starts (`regio serve ... &`) is stopped when
#   the file's shell ends, should the example fail before it stops it.
#
# Commands and output
#   - In a block without `$ ` lines, every line that is not blank and not a
#     `#` comment is a command. A line ending in `\` continues on the next; a
#     here-document (`<<'EOF'` ... `EOF`) belongs to its command. Each
#     command must exit 0.
#   - In a block with `$ ` lines (a terminal session), the text after `$ ` is
#     the command (continued with `\` as above) and the lines after it, up to
#     the next `$ ` line, `#` comment line or the block's end, are the output
#     it must print (standard output and error together, trailing blanks and
#     blank lines at the end ignored). `…` in an output line matches any text;
#     a line that is only `…` matches any number of lines. A command shown
#     with no output lines has its output left unchecked.
#
# Markers (use them sparingly: the point is that the examples run)
#   # doc-test: exit 0,3    at the end of a command: the exit statuses it may
#                           end with (default 0 only). Say in the doc why, e.g.
#                           "exit 3: a best effort was written".
#   # doc-test: skip        at the end of a command: not run (it cannot run in
#                           a test: `regio serve`, a browser, another machine).
#                           Give the reason in the comment.
#   <!-- doc-test: skip REASON -->         on the line before a block's opening
#   <!-- doc-test: illustrative REASON --> fence: the whole block is not run
#                           (skip: it cannot run in a test; illustrative: it
#                           shows a shape or placeholder names, not a path a
#                           reader walks).
#   An unknown `doc-test:` word is an error, so a typo cannot hide an example.
#
# On failure: FILE:LINE, the command, its exit status or an output diff, and
# what it printed; the file's remaining commands are not run (they would
# depend on it), the other files are. Exit status 0 when every command run
# passed, 1 otherwise, 2 on a usage error.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${REGIO_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
SRC=$(cd "$SRC" && pwd)
list=0 keep=0
files=()
while [ $# -gt 0 ]; do
  case $1 in
    --list) list=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run_examples.sh: unknown option $1" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
if [ ${#files[@]} -eq 0 ]; then
  files=("$SRC/README.md")
  for f in "$SRC"/docs/*.md; do files+=("$f"); done
fi
if [ $list = 0 ]; then
  if [ -z "${REGIO_BIN:-}" ] || [ ! -x "$REGIO_BIN" ]; then
    echo "run_examples.sh: REGIO_BIN must name the regio binary to test" >&2; exit 2
  fi
  REGIO_BIN=$(cd "$(dirname "$REGIO_BIN")" && pwd)/$(basename "$REGIO_BIN")
fi
timeout_s=${REGIO_DOCS_TIMEOUT:-600}

# ---- parsing ---------------------------------------------------------------
# One entry per command, in document order:
#   C_LINE  line of the command's first line
#   C_TEXT  the command (lines joined with newlines)
#   C_MODE  run | skip | illustrative
#   C_EXIT  accepted exit statuses, space separated
#   C_OUT   expected output (lines joined with newlines); C_HASOUT 1 if shown
C_LINE=() C_TEXT=() C_MODE=() C_EXIT=() C_OUT=() C_HASOUT=() C_WHY=()
parse_error=

# marker_of TEXT: sets mk_mode (run/skip/illustrative), mk_exit, mk_why;
# returns 1 on an unknown marker.
marker_of() {
  local t=$1 rest word
  mk_mode=run mk_exit=0 mk_why=
  while [[ $t == *doc-test:* ]]; do
    rest=${t#*doc-test:}
    rest=${rest#"${rest%%[![:space:]]*}"}
    word=${rest%%[![:alnum:]-]*}
    case $word in
      skip|illustrative)
        mk_mode=$word
        mk_why=${rest#"$word"}; mk_why=${mk_why%%-->*}
        mk_why=${mk_why#"${mk_why%%[![:space:],:;-]*}"}; mk_why=${mk_why%"${mk_why##*[![:space:]]}"}
        [[ $mk_why == *')' && $mk_why != *'('* ]] && mk_why=${mk_why%)} ;;
      exit)
        if [[ $rest =~ ^exit[[:space:]]+([0-9]+(,[0-9]+)*) ]]; then
          mk_exit=${BASH_REMATCH[1]//,/ }
        else
          mk_why="doc-test: exit needs statuses, e.g. 'doc-test: exit 0,3'"; return 1
        fi ;;
      *) mk_why="unknown marker 'doc-test: $word' (known: skip, illustrative, exit N,...)"; return 1 ;;
    esac
    t=$rest
  done
  return 0
}

add_cmd() {  # LINE TEXT BLOCKMODE BLOCKWHY HASOUT OUT
  local mode=$3 why=$4
  if ! marker_of "$2"; then
    parse_error="$1: $mk_why"; return 1
  fi
  # an inline marker's reason is on the line itself, printed with it
  if [ "$mode" = run ]; then mode=$mk_mode why=; fi
  C_LINE+=("$1") C_TEXT+=("$2") C_MODE+=("$mode") C_EXIT+=("$mk_exit")
  C_HASOUT+=("$5") C_OUT+=("$6") C_WHY+=("$why")
}

# heredoc_end LINE: the terminator word of a here-document LINE opens, if any
heredoc_end() {
  local re="<<-?[[:space:]]*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?"
  if [[ $1 =~ $re ]]; then printf '%s' "${BASH_REMATCH[1]}"; fi
}

parse_file() {  # FILE LABEL
  local -a L B BN
  mapfile -t L < "$1"
  local n=${#L[@]} i=0 prev= bmode bwhy line
  C_LINE=() C_TEXT=() C_MODE=() C_EXIT=() C_OUT=() C_HASOUT=() C_WHY=()
  parse_error=
  while [ $i -lt $n ]; do
    line=${L[i]%$'\r'}
    if [[ $line =~ ^[[:space:]]{0,3}\`\`\`(sh|bash)[[:space:]]*$ ]]; then
      bmode=run bwhy=
      if [[ $prev == *'<!--'*doc-test:* ]]; then
        if ! marker_of "$prev"; then parse_error="$2:$i: $mk_why"; return 1; fi
        if [ "$mk_mode" = run ]; then
          parse_error="$2:$i: a block marker is 'doc-test: skip' or 'doc-test: illustrative'"
          return 1
        fi
        bmode=$mk_mode bwhy=$mk_why
      fi
      B=() BN=()
      i=$((i + 1))
      while [ $i -lt $n ] && ! [[ ${L[i]} =~ ^[[:space:]]{0,3}\`\`\`[[:space:]]*$ ]]; do
        B+=("${L[i]%$'\r'}") BN+=($((i + 1)))
        i=$((i + 1))
      done
      parse_block "$2" "$bmode" "$bwhy" || return 1
      prev=
    elif [[ $line =~ ^[[:space:]]{0,3}\`\`\` ]]; then
      # another language's block: step over it
      i=$((i + 1))
      while [ $i -lt $n ] && ! [[ ${L[i]} =~ ^[[:space:]]{0,3}\`\`\`[[:space:]]*$ ]]; do i=$((i + 1)); done
      prev=
    elif [[ $line =~ [^[:space:]] ]]; then
      prev=$line
    fi
    i=$((i + 1))
  done
}

# Reads one command starting at B[j] (first line FIRST, without its `$ `):
# continuation lines and here-documents. Sets cmd and j (the next line).
read_command() {
  local first=$1 session=$2 last term
  cmd=$first last=$first
  j=$((j + 1))
  term=$(heredoc_end "$first")
  while [[ $last == *\\ ]] && [ $j -lt ${#B[@]} ]; do
    last=${B[j]}
    [ "$session" = 1 ] && last=${last#> }
    cmd+=$'\n'$last
    [ -z "$term" ] && term=$(heredoc_end "$last")
    j=$((j + 1))
  done
  if [ -n "$term" ]; then
    while [ $j -lt ${#B[@]} ]; do
      last=${B[j]}
      [ "$session" = 1 ] && last=${last#> }
      cmd+=$'\n'$last
      j=$((j + 1))
      [[ $last =~ ^[[:space:]]*"$term"[[:space:]]*$ ]] && break
    done
  fi
}

parse_block() {  # LABEL BLOCKMODE BLOCKWHY
  local session=0 j=0 m=${#B[@]} line start out hasout k
  for line in "${B[@]}"; do [[ $line == '$ '* ]] && session=1; done
  while [ $j -lt $m ]; do
    line=${B[j]}
    start=${BN[j]}
    if [[ $line =~ ^[[:space:]]*$ || $line =~ ^[[:space:]]*# ]]; then
      j=$((j + 1)); continue
    fi
    if [ $session = 0 ]; then
      read_command "$line" 0
      add_cmd "$start" "$cmd" "$2" "$3" 0 "" || { parse_error="$1:$parse_error"; return 1; }
      continue
    fi
    if [[ $line != '$ '* ]]; then
      parse_error="$1:$start: output with no \`\$ \` command before it"; return 1
    fi
    read_command "${line#\$ }" 1
    out= hasout=0
    local -a O=()
    while [ $j -lt $m ] && [[ ${B[j]} != '$ '* ]] && ! [[ ${B[j]} =~ ^[[:space:]]*# ]]; do
      O+=("${B[j]}"); j=$((j + 1))
    done
    # blank lines at the end are not output
    k=${#O[@]}
    while [ $k -gt 0 ] && [[ ${O[k-1]} =~ ^[[:space:]]*$ ]]; do k=$((k - 1)); done
    if [ $k -gt 0 ]; then
      hasout=1
      printf -v out '%s\n' "${O[@]:0:k}"
      out=${out%$'\n'}
    fi
    add_cmd "$start" "$cmd" "$2" "$3" "$hasout" "$out" || { parse_error="$1:$parse_error"; return 1; }
  done
}

# ---- checking (these functions also run inside each file's script) --------
# __doc_line_match PATTERN LINE: `…` matches any text, the rest literally
__doc_line_match() {
  local p=$1 s=$2
  p=${p%"${p##*[![:space:]]}"}; s=${s%"${s##*[![:space:]]}"}
  p=$(printf '%s' "$p" | sed -e 's/[][\\*?()|+@!]/\\&/g')
  p=${p//…/*}
  [[ $s == $p ]]
}
# __doc_match I J: expected lines __E[I..] match actual lines __A[J..]
__doc_match() {
  local i=$1 j=$2 k
  while :; do
    if [ "$i" -ge ${#__E[@]} ]; then [ "$j" -ge ${#__A[@]} ]; return; fi
    if [[ ${__E[i]} =~ ^[[:space:]]*…[[:space:]]*$ ]]; then
      for ((k = j; k <= ${#__A[@]}; k++)); do
        __doc_match $((i + 1)) "$k" && return 0
      done
      return 1
    fi
    [ "$j" -lt ${#__A[@]} ] || return 1
    __doc_line_match "${__E[i]}" "${__A[j]}" || return 1
    i=$((i + 1)) j=$((j + 1))
  done
}
# __doc_check N STATUS SECONDS: judges command N of this file
__doc_check() {
  local n=$1 rc=$2 secs=$3 d=$__doc_run ok=1 first ok_rc=0 s
  first=$(head -n 1 "$d/cmd.$n")
  for s in $(cat "$d/exit.$n"); do [ "$rc" = "$s" ] && ok_rc=1; done
  if [ $ok_rc = 0 ]; then
    printf '%s:%s: FAILED: exit %s (expected %s): %s\n' "$__doc_label" "$(cat "$d/line.$n")" \
      "$rc" "$(sed 's/ / or /g' "$d/exit.$n")" "$first"
    [ "$(wc -l < "$d/cmd.$n")" -gt 1 ] && sed 's/^/    | /' "$d/cmd.$n"
    echo "  it printed:"; sed 's/^/    /' "$d/out.$n"
    return 1
  fi
  if [ -e "$d/expect.$n" ]; then
    local -a __E __A
    mapfile -t __E < "$d/expect.$n"
    mapfile -t __A < "$d/out.$n"
    while [ ${#__A[@]} -gt 0 ] && [[ ${__A[-1]} =~ ^[[:space:]]*$ ]]; do unset '__A[-1]'; done
    if ! __doc_match 0 0; then
      printf '%s:%s: FAILED: the output is not the one the doc shows: %s\n' \
        "$__doc_label" "$(cat "$d/line.$n")" "$first"
      echo "  --- the doc   +++ the command"
      diff -u "$d/expect.$n" "$d/out.$n" | tail -n +3 | sed 's/^/    /'
      return 1
    fi
  fi
  printf 'ok           %-22s %6s s  %s\n' "$__doc_label:$(cat "$d/line.$n")" "$secs" "${first:0:90}"
  touch "$d/ok.$n"
}

# ---- running ---------------------------------------------------------------
label_of() {
  case $1 in
    "$SRC"/*) printf '%s' "${1#"$SRC"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}

tmp_all=$(mktemp -d "${TMPDIR:-/tmp}/regio-docs.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$tmp_all"' EXIT
total_run=0 total_skip=0 total_ill=0 failed=0 nfiles=0

for f in "${files[@]}"; do
  label=$(label_of "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
  if [ ! -r "$f" ]; then echo "$label: cannot read the file"; failed=$((failed + 1)); continue; fi
  if ! parse_file "$f" "$label"; then
    echo "$parse_error"; echo "$label: FAILED (the examples cannot be read)"
    failed=$((failed + 1)); continue
  fi
  n=${#C_LINE[@]}
  [ "$n" -eq 0 ] && continue
  nfiles=$((nfiles + 1))
  nrun=0 nskip=0 nill=0
  for ((c = 0; c < n; c++)); do
    case ${C_MODE[c]} in run) nrun=$((nrun + 1)) ;; skip) nskip=$((nskip + 1)) ;; *) nill=$((nill + 1)) ;; esac
  done
  if [ $list = 1 ]; then
    for ((c = 0; c < n; c++)); do
      what=${C_MODE[c]}
      [ "$what" = run ] && [ "${C_EXIT[c]}" != 0 ] && what="run, exit ${C_EXIT[c]// /,}"
      [ "${C_HASOUT[c]}" = 1 ] && what="$what, output checked"
      printf '%s:%s [%s] %s\n' "$label" "${C_LINE[c]}" "$what" "${C_TEXT[c]%%$'\n'*}"
    done
    echo "$label: $nrun to run, $nskip skipped, $nill illustrative"
    total_run=$((total_run + nrun)) total_skip=$((total_skip + nskip)) total_ill=$((total_ill + nill))
    continue
  fi

  t=$tmp_all/$nfiles
  run=$t/run work=$t/work
  mkdir -p "$run" "$work" "$t/bin"
  ln -s "$REGIO_BIN" "$t/bin/regio"
  ln -s "$SRC/data" "$work/data"
  [ -d "$SRC/node_modules" ] && ln -s "$SRC/node_modules" "$work/node_modules"
  script=$run/script.sh
  {
    echo '# generated by tests/docs/run_examples.sh'
    declare -f __doc_line_match __doc_match __doc_check
    printf '__doc_run=%q\n__doc_label=%q\n' "$run" "$label"
    printf 'cd %q || exit 90\n' "$work"
    # a background job an example starts (`regio serve ... &`) ends with the
    # file's shell, also when a command fails before the example stops it
    echo 'trap '\''__doc_j=$(jobs -p); [ -n "$__doc_j" ] && kill $__doc_j 2>/dev/null'\'' EXIT'
    for ((c = 0; c < n; c++)); do
      printf '%s\n' "${C_TEXT[c]}" > "$run/cmd.$c"
      printf '%s\n' "${C_LINE[c]}" > "$run/line.$c"
      printf '%s\n' "${C_EXIT[c]}" > "$run/exit.$c"
      [ "${C_HASOUT[c]}" = 1 ] && printf '%s\n' "${C_OUT[c]}" > "$run/expect.$c"
      if [ "${C_MODE[c]}" != run ]; then
        printf 'printf "%%-12s %%-22s %%s\\n" %q %q %q\n' "${C_MODE[c]}" "$label:${C_LINE[c]}" \
          "${C_TEXT[c]%%$'\n'*}${C_WHY[c]:+  -- ${C_WHY[c]}}"
        continue
      fi
      echo "echo $c > \"\$__doc_run/started\"; __doc_t0=\$EPOCHREALTIME"
      echo "{ . \"\$__doc_run/cmd.$c\"; } > \"\$__doc_run/out.$c\" 2>&1 < /dev/null"
      echo "__doc_rc=\$?"
      echo "__doc_check $c \$__doc_rc \"\$(awk -v a=\$__doc_t0 -v b=\$EPOCHREALTIME 'BEGIN{printf \"%.1f\", b-a}')\" || exit 91"
    done
    echo 'exit 0'
  } > "$script"

  echo "== $label: $nrun commands to run, $nskip skipped, $nill illustrative (in $work)"
  t0=$SECONDS
  (
    cd "$work" &&
    env -u REGIO_GAZETTEER PATH="$t/bin:$PATH" REGIO_DB="$work/regio.db" \
      timeout --kill-after=10 "$timeout_s" bash --noprofile --norc "$script"
  )
  status=$?
  ok=$(find "$run" -name 'ok.*' | wc -l)
  total_run=$((total_run + ok)) total_skip=$((total_skip + nskip)) total_ill=$((total_ill + nill))
  if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    c=$(cat "$run/started" 2>/dev/null || echo 0)
    printf '%s:%s: FAILED: still running after %s s (REGIO_DOCS_TIMEOUT): %s\n' \
      "$label" "${C_LINE[c]}" "$timeout_s" "${C_TEXT[c]%%$'\n'*}"
    sed 's/^/    /' "$run/out.$c" 2>/dev/null | tail -n 20
  elif [ $status -ne 0 ] && [ $status -ne 91 ]; then
    # the shell itself ended (an `exit` in an example, a killed shell)
    c=$(cat "$run/started" 2>/dev/null || echo 0)
    printf '%s:%s: FAILED: the shell ended with status %s during: %s\n' \
      "$label" "${C_LINE[c]}" "$status" "${C_TEXT[c]%%$'\n'*}"
    sed 's/^/    /' "$run/out.$c" 2>/dev/null | tail -n 20
  fi
  if [ $status -ne 0 ]; then
    failed=$((failed + 1))
    echo "$label: FAILED after $ok of $nrun commands ($((SECONDS - t0)) s)"
  else
    echo "$label: $ok commands passed, $nskip skipped, $nill illustrative ($((SECONDS - t0)) s)"
  fi
done

if [ $list = 1 ]; then
  echo "in all: $total_run to run, $total_skip skipped, $total_ill illustrative"
  exit 0
fi
echo "docs examples: $nfiles files with examples; $total_run commands passed, $total_skip skipped, $total_ill illustrative; $failed files failed"
[ $failed -eq 0 ]
