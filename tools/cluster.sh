#!/usr/bin/env bash
# The deployment of docs/DEPLOY.md on one machine, for trying it and for the
# tests: one store, two `regio serve` processes behind HAProxy, TLS at the
# proxy.
#
#   tools/cluster.sh up DIR [--db LOCATION] [--regio PATH]
#       makes DIR and starts it all there. Without --db the store is a
#       throw-away PostgreSQL cluster in DIR/pg (tests/pg/pg_cluster.sh);
#       --db names an existing store instead (a postgresql:// location or
#       a SQLite file, which both servers then share); --regio the program
#       (default build/regio). Writes DIR/env:
#         REGIO_CLUSTER_URL   https://127.0.0.1:PORT/ (the proxy)
#         REGIO_CLUSTER_CA    the proxy's self-signed certificate
#         REGIO_CLUSTER_DB    the store's location
#         REGIO_CLUSTER_S1 / _S2  each server's own http://127.0.0.1:PORT/
#         REGIO_CLUSTER_PID1 / _PID2  their process ids
#       Exits 77 when HAProxy (or PostgreSQL, without --db) is not installed.
#   tools/cluster.sh down DIR
#       stops the proxy, the servers and the throw-away cluster; removes DIR.
#
# Each server trusts the proxy's X-Forwarded-For (--trusted-proxy
# 127.0.0.1) and allows it many connections (--per-client 4096); options
# in REGIO_SERVE_OPTS (e.g. "--list-cache 0") are added to both. HAProxy
# checks GET /api/v1/health every 500 ms and stops sending to a server
# that fails twice; a request whose connection to a server fails is sent
# to the other (it never reached the first, so it is safe to resend).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 up DIR [--db LOCATION] [--regio PATH] | down DIR" >&2
  exit 2
fi
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
regio="$here/build/regio"
db=""
while [ $# -gt 0 ]; do
  case "$1" in
  --db) db=$2; shift 2 ;;
  --regio) regio=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
  *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
done

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts `regio serve` on a free port; prints "PID URL" once it listens.
start_server() {
  local log=$1
  # shellcheck disable=SC2086 # REGIO_SERVE_OPTS is a list of words
  "$regio" serve --db "$db" --port 0 --quiet --trusted-proxy 127.0.0.1 \
    --per-client 4096 ${REGIO_SERVE_OPTS:-} >"$log" 2>"$log.err" &
  local pid=$! i
  for i in $(seq 1 300); do
    if grep -q 'Regio serving at' "$log" 2>/dev/null; then
      echo "$pid $(grep -o 'http://[^ ]*' "$log" | head -1)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$0: regio serve did not start:" >&2
  cat "$log.err" >&2
  return 1
}

case "$cmd" in
up)
  haproxy=$(command -v haproxy || true)
  if [ -z "$haproxy" ]; then
    echo "HAProxy is not installed (Debian package haproxy): the cluster is not started" >&2
    exit 77
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -z "$db" ]; then
    rc=0
    "$here/tests/pg/pg_cluster.sh" start "$dir/pg" >/dev/null || rc=$?
    [ $rc -eq 0 ] || exit $rc
    db=$("$here/tests/pg/pg_cluster.sh" url "$dir/pg")
  fi
  # The schema is made (or upgraded) once, before two servers open it.
  "$regio" summary --db "$db" >/dev/null
  pid1="" pid2="" s1="" s2=""
  read -r pid1 s1 < <(start_server "$dir/s1.log") || true
  [ -n "$s1" ] || exit 1
  read -r pid2 s2 < <(start_server "$dir/s2.log") || true
  [ -n "$s2" ] || { kill "$pid1"; exit 1; }
  port=$(free_port)
  # A certificate for the proxy's TLS, made for this cluster only.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    >/dev/null 2>&1
  cat "$dir/cert.pem" "$dir/key.pem" >"$dir/proxy.pem"
  hp1=${s1#http://}; hp1=${hp1%/}
  hp2=${s2#http://}; hp2=${hp2%/}
  cat >"$dir/haproxy.cfg" <<EOF
global
    maxconn 4096
    pidfile $dir/haproxy.pid

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 120s
    option forwardfor
    option redispatch
    retries 3
    retry-on conn-failure

frontend regio
    bind 127.0.0.1:$port ssl crt $dir/proxy.pem
    http-request set-header X-Forwarded-Proto https
    acl model_path path_beg /api/v1/models/
    use_backend models if model_path
    default_backend servers

backend servers
    balance roundrobin
    option httpchk GET /api/v1/health
    default-server check inter 500ms fall 2 rise 1
    server s1 $hp1
    server s2 $hp2

# A model's requests (/api/v1/models/NAME...) go to one server while it is
# up, so the model a server keeps loaded is rarely stale: an edit made on
# the other server costs the next one a reload of the whole alignment.
# Consistent hashing: when a server fails, only its models move.
backend models
    balance uri depth 4
    hash-type consistent
    option httpchk GET /api/v1/health
    default-server check inter 500ms fall 2 rise 1
    server s1 $hp1
    server s2 $hp2
EOF
  "$haproxy" -c -q -f "$dir/haproxy.cfg"
  "$haproxy" -f "$dir/haproxy.cfg" -D
  for i in $(seq 1 100); do
    if curl -fsS --cacert "$dir/cert.pem" "https://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; then
      break
    fi
    sleep 0.1
  done
  cat >"$dir/env" <<EOF
REGIO_CLUSTER_URL=https://127.0.0.1:$port/
REGIO_CLUSTER_CA=$dir/cert.pem
REGIO_CLUSTER_DB=$db
REGIO_CLUSTER_S1=$s1
REGIO_CLUSTER_S2=$s2
REGIO_CLUSTER_PID1=$pid1
REGIO_CLUSTER_PID2=$pid2
EOF
  # The location may carry a password: the file is the owner's only.
  chmod 600 "$dir/env"
  echo "Regio cluster at https://127.0.0.1:$port/ (servers $s1 and $s2; store in $dir/env)"
  ;;
down)
  [ -d "$dir" ] || exit 0
  if [ -f "$dir/haproxy.pid" ]; then
    kill "$(cat "$dir/haproxy.pid")" 2>/dev/null || true
  fi
  if [ -f "$dir/env" ]; then
    for v in REGIO_CLUSTER_PID1 REGIO_CLUSTER_PID2; do
      pid=$(sed -n "s/^$v=//p" "$dir/env")
      [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    sleep 0.5
  fi
  if [ -d "$dir/pg" ]; then
    "$here/tests/pg/pg_cluster.sh" stop "$dir/pg" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 up DIR [--db LOCATION] [--regio PATH] | down DIR" >&2
  exit 2
  ;;
esac
