#!/usr/bin/env bash
# Runs a PostgreSQL test variant on the cluster of tests/pg/pg_cluster.sh:
#
#   tests/pg/with_cluster.sh DIR COMMAND [ARGS...]
#
# sets REGIO_TEST_DB to the cluster's location (DIR/url) and runs COMMAND;
# without a cluster (PostgreSQL not installed, so the fixture skipped)
# says so and exits 77, CTest's skip.
set -uo pipefail
dir=$1
shift
if [ ! -f "$dir/url" ]; then
  echo "skipped: no PostgreSQL test cluster in $dir (is PostgreSQL installed?" \
       "see the output of the test pg.cluster_start)"
  exit 77
fi
REGIO_TEST_DB=$(cat "$dir/url")
export REGIO_TEST_DB
exec "$@"
