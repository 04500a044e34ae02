#!/usr/bin/env bash
# Builds VROOM 1.14.0, the external reference solver of bench/vrptw.sh, from
# a checkout of its git repository (with history, for the tag) into OUT_DIR;
# nothing of it enters this repository. Its three submodules are taken from
# git repositories of rapidjson, cxxopts and polylineencoder (Tencent,
# jarro2783 and vahancho on GitHub) at the commits v1.14.0 pins, named by
# RAPIDJSON_GIT, CXXOPTS_GIT and POLYLINE_GIT (a local git directory or a
# URL to clone). Needs g++ (C++20), make, pkg-config
# and the headers of asio, glpk and openssl (Debian: libasio-dev
# libglpk-dev libssl-dev).
# Usage: bench/vroom_build.sh SRC_DIR OUT_DIR  -> OUT_DIR/bin/vroom
# Then: VROOM=OUT_DIR/bin/vroom bench/vrptw.sh
set -eu
[ $# -eq 2 ] || { echo "usage: bench/vroom_build.sh SRC_DIR OUT_DIR" >&2; exit 2; }
src=$1 out=$2
for v in RAPIDJSON_GIT CXXOPTS_GIT POLYLINE_GIT; do
  [ -n "${!v:-}" ] || { echo "vroom_build.sh: set $v (see the header)" >&2; exit 2; }
done
gd() { # a repository's git directory: a bare one or one with a work tree
  if [ -d "$1/.git" ]; then echo "$1/.git"; else echo "$1"; fi
}
sub() { # REPO COMMIT DEST
  local d=$3
  mkdir -p "$d"
  if [ -d "$1" ]; then
    git --git-dir="$(gd "$1")" archive "$2" | tar -x -C "$d"
  else
    local t
    t=$(mktemp -d)
    git clone -q "$1" "$t" && git -C "$t" archive "$2" | tar -x -C "$d"
    rm -rf "$t"
  fi
}
mkdir -p "$out"
git --git-dir="$(gd "$src")" archive v1.14.0 | tar -x -C "$out"
sub "$RAPIDJSON_GIT" \
  973dc9c06dcd3d035ebd039cfb9ea457721ec213 "$out/include/rapidjson"
sub "$CXXOPTS_GIT" \
  eb787304d67ec22f7c3a184ee8b4c481d04357fd "$out/include/cxxopts"
sub "$POLYLINE_GIT" \
  01823158e6d2f227c2a001d6739d0a4bdbc60f26 "$out/include/polylineencoder"
nice -n 19 make -C "$out/src" -j"${JOBS:-2}"
echo "built $out/bin/vroom"
