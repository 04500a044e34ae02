#!/usr/bin/env bash
# The main job of `make run`: loads the bundled sample market (US counties
# from the us-atlas package, reps and accounts from data/sample) into the


set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
REGIO="$BUILD/regio"
export REGIO_DB=${REGIO_DB:-regio-sample.db}
echo "== Regio sample market -> $REGIO_DB"
# Contiguous United States: drop Alaska (02), Hawaii (15) and the
# territories (60 and up), which hold no sample accounts.
"$REGIO" import units node_modules/us-atlas/counties-10m.json --layer counties --skip-empty \
  --where "id NOT LIKE '02%' AND id NOT LIKE '15%' AND id < '60'"
"$REGIO" import reps data/sample/reps.csv
"$REGIO" import accounts data/sample/accounts.csv
"$REGIO" assign units --measures
echo
"$REGIO" summary
echo
if "$REGIO" model show sample-design >/dev/null 2>&1; then
  # A model is never overwritten: the one from an earlier run (and any
  # edits made to it in the app) stays.
  echo "== The first design, planning model sample-design, is already in the store"
else
  echo "== A first design: 25 territories balanced on accounts (planning model sample-design)"
  # Exit 3: saved, but not every constraint met (a best effort) -- go on.
  "$REGIO" design --k 25 --balance accounts --tolerance 0.05 --model sample-design || [ $? = 3 ]
fi
"$REGIO" report --model sample-design --balance accounts --tolerance 0.05 --format text
echo
# The demo organisation: regions, a live model, roles, users, memberships
# (kept when it is there already) and the sign-ins to try.
node tools/demo_org.mjs --db "$REGIO_DB" --regio "$REGIO"
# Call plans of the live model's territories from this week's Monday: the
# stops a rep sees on the check-in page (/checkin).
node tools/demo_plans.mjs --db "$REGIO_DB" --regio "$REGIO"
echo
# Goals and results: a year of demo sales (won, open, lost), quarterly quotas
# and visits for the live model (seeded: the same data every run), and
# the quarter's figures (the app's Performance tab shows them).
echo "== Goals and results: demo sales, quotas and visits of 2026"
# A failure here leaves the app without figures, not without the app.
if node tools/demo_sales.mjs --db "$REGIO_DB" --regio "$REGIO"; then
  "$REGIO" perf --period 2026Q3 --by level:1
else
  echo "regio: the demo sales, quotas and visits were not loaded (above: why); the app runs without them" >&2
fi
echo
# REGIO_SAMPLE_SERVE=0: the store only (tests/pg/migrate_roundtrip.sh).
[ "${REGIO_SAMPLE_SERVE:-1}" = 0 ] && exit 0
PORT=${REGIO_PORT:-8080}
echo "== The app: open http://127.0.0.1:$PORT in a browser (Ctrl-C stops the server)"
echo "   (the CLI works on the same store: $REGIO summary --db $REGIO_DB)"
exec "$REGIO" serve --db "$REGIO_DB" --port "$PORT" --quiet
