#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, from Debian's postgresql
# package (initdb and pg_ctl in /usr/lib/postgresql/*/bin).
#
#   tests/pg/pg_cluster.sh start DIR   makes a cluster in DIR on a free port
#                                      of 127.0.0.1 and writes its location
#                                      (postgresql://regio@127.0.0.1:PORT/regio)
#                                      to DIR/url; exits 77 when PostgreSQL is
#                                      not installed
#   tests/pg/pg_cluster.sh stop DIR    stops it and removes DIR
#   tests/pg/pg_cluster.sh url DIR     prints the location (exit 77 if none)
#
# initdb refuses to run as root: as root the cluster belongs to the
# postgres user (made by the package) and DIR is handed to it. The cluster
# trusts local connections only (listen 127.0.0.1, a socket in DIR).
# REGIO_PG_SETTINGS adds server settings ("-c shared_buffers=4GB ...") to
# the start, e.g. a benchmark's sized like a real server.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|url DIR" >&2
  exit 2
fi

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir=$d; break; fi
done

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb):" \
         "the PostgreSQL tests are skipped" >&2
    exit 77
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "running as root and there is no postgres user to own the cluster:" \
         "the PostgreSQL tests are skipped" >&2
    exit 77
  fi
  if [ -f "$dir/url" ]; then
    "$0" stop "$dir" >/dev/null 2>&1 || true
  fi
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U regio -A trust -E UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: ask the kernel for one, then retry a few times should
  # another process take it before the server binds it.
  for try in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
           echo $((20000 + RANDOM % 20000)))
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off ${REGIO_PG_SETTINGS:-}" \
         start >/dev/null; then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    echo "the test PostgreSQL server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
  as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U regio regio
  echo "postgresql://regio@127.0.0.1:$port/regio" >"$dir/url"
  chmod a+r "$dir/url"
  echo "PostgreSQL test cluster: $(cat "$dir/url")"
  ;;
stop)
  if [ -n "$bindir" ] && [ -d "$dir/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
url)
  if [ -f "$dir/url" ]; then cat "$dir/url"; else exit 77; fi
  ;;
*)
  echo "usage: $0 start|stop|url DIR" >&2
  exit 2
  ;;
esac
